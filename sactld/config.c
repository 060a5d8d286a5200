// SPDX-License-Identifier: GPL-2.0
/*
 * sactl.conf: reading a libconfig file safely (root's, no @include), the
 * `sactld` settings, and the rules list (each rule by rule_text.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "rules.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define CONFIG_MAX_SIZE (64u << 20)

static const char *const sactld_fields =
	"default, prompt_timeout, log_level, root_answers_all, state_dir, "
	"prompt_socket, control_socket, cache";

/* Reading a file */

/* Does a line start (after blanks) with @include?  libconfig would obey it. */
static long include_line(const char *text)
{
	long line = 1;

	for (const char *p = text; *p; line++) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' ||
		       *p == '\v')
			p++;
		if (!strncmp(p, "@include", 8))
			return line;
		p = strchrnul(p, '\n');
		if (*p)
			p++;
	}
	return 0;
}

int config_read_fd(config_t *cfg, int fd, const char *file,
		   char *err, size_t errlen)
{
	struct stat st;
	char *text;
	size_t len = 0;
	long line;
	int ret = -1;

	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", file);
		return -1;
	}
	if ((uintmax_t)st.st_size > CONFIG_MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than %u MiB", file,
			 CONFIG_MAX_SIZE >> 20);
		return -1;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		snprintf(err, errlen, "%s: %s", file, strerror(ENOMEM));
		return -1;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = pread(fd, text + len, (size_t)st.st_size - len,
				  (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;	/* shrank under us: parse what is there */
		len += (size_t)n;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(err, errlen, "%s: contains a NUL byte", file);
		goto out;
	}
	line = include_line(text);
	if (line) {
		snprintf(err, errlen,
			 "%s:%ld: @include is not supported: keep the whole configuration in one file",
			 file, line);
		goto out;
	}
	if (!config_read_string(cfg, text)) {
		snprintf(err, errlen, "%s:%d: %s",
			 config_error_file(cfg) ? config_error_file(cfg) : file,
			 config_error_line(cfg), config_error_text(cfg));
		goto out;
	}
	ret = 0;
out:
	free(text);
	return ret;
}

/* The sactld settings */

static bool setting_path(struct conf_ctx *c, const config_setting_t *s, char **v,
			 bool socket)
{
	char *path;

	if (!conf_string(c, s, &path))
		return false;
	free(*v);
	*v = path;
	if (path[0] != '/')
		return conf_fail(c, s, "%s: \"%s\" is not an absolute path",
				 config_setting_name(s), path);
	if (socket && strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return conf_fail(c, s, "%s: too long for a socket path (%zu bytes at most)",
				 config_setting_name(s),
				 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return true;
}

static bool parse_sactld(struct conf_ctx *c, const config_setting_t *g,
			 struct config *cfg)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "debug", LOG_DEBUG }, { "info", LOG_INFO },
		{ "notice", LOG_NOTICE }, { "warning", LOG_WARNING },
	};

	snprintf(c->what, sizeof(c->what), "sactld");
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return conf_fail(c, g, "expected a group { ... }");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *name = config_setting_name(s);
		long long v;

		if (!strcmp(name, "default")) {
			if (config_setting_type(s) != CONFIG_TYPE_STRING)
				return conf_fail(c, s, "default: expected \"allow\" or \"deny\"");
			if (!strcmp(config_setting_get_string(s), "allow"))
				cfg->default_verdict = VERDICT_ALLOW;
			else if (!strcmp(config_setting_get_string(s), "deny"))
				cfg->default_verdict = VERDICT_DENY;
			else
				return conf_fail(c, s, "unknown default \"%s\" (expected allow, deny)",
						 config_setting_get_string(s));
		} else if (!strcmp(name, "prompt_timeout")) {
			if (!conf_int(s, &v))
				return conf_fail(c, s, "prompt_timeout: expected a number of seconds");
			if (v < 1 || v > 3600)
				return conf_fail(c, s, "prompt_timeout: %lld is out of range (1..3600)",
						 v);
			cfg->prompt_timeout = (unsigned int)v;
		} else if (!strcmp(name, "log_level")) {
			size_t k;

			if (config_setting_type(s) != CONFIG_TYPE_STRING)
				return conf_fail(c, s, "log_level: expected a string");
			for (k = 0; k < ARRAY_SIZE(levels); k++)
				if (!strcmp(config_setting_get_string(s), levels[k].name))
					break;
			if (k == ARRAY_SIZE(levels))
				return conf_fail(c, s,
						 "unknown log_level \"%s\" (expected debug, info, notice, warning)",
						 config_setting_get_string(s));
			cfg->log_level = levels[k].level;
		} else if (!strcmp(name, "root_answers_all")) {
			if (!conf_bool(c, s, &cfg->root_answers_all))
				return false;
		} else if (!strcmp(name, "cache")) {
			if (!conf_bool(c, s, &cfg->cache))
				return false;
		} else if (!strcmp(name, "state_dir")) {
			if (!setting_path(c, s, &cfg->state_dir, false))
				return false;
		} else if (!strcmp(name, "prompt_socket")) {
			if (!setting_path(c, s, &cfg->prompt_socket, true))
				return false;
		} else if (!strcmp(name, "control_socket")) {
			if (!setting_path(c, s, &cfg->control_socket, true))
				return false;
		} else {
			return conf_fail(c, s, "unknown setting \"%s\" (expected %s)",
					 name, sactld_fields);
		}
	}
	return true;
}

static bool parse_rules(struct conf_ctx *c, const config_setting_t *list,
			struct config *cfg)
{
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return conf_fail(c, list, "rules: expected a list ( { ... }, ... )");
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);
		struct rule *r = rule_parse(g, c->file, (unsigned int)i + 1,
					    false, c->err, c->errlen);

		if (!r)
			return false;
		if (ruleset_add(cfg->rules, r)) {
			rule_free(r);
			return conf_fail(c, g, "%s", strerror(ENOMEM));
		}
	}
	return true;
}

static struct config *config_defaults(const char *path)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	const char *base = strrchr(path, '/');

	if (!cfg)
		return NULL;
	cfg->default_verdict = VERDICT_DENY;
	cfg->prompt_timeout = 30;
	cfg->log_level = LOG_INFO;
	cfg->cache = true;
	cfg->path = strdup(path);
	cfg->state_dir = strdup("/var/lib/sactl");
	cfg->prompt_socket = strdup("/run/sactl/prompt.sock");
	cfg->control_socket = strdup("/run/sactl/control.sock");
	cfg->rules = ruleset_new(base ? base + 1 : path);
	if (!cfg->path || !cfg->state_dir || !cfg->prompt_socket ||
	    !cfg->control_socket || !cfg->rules) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* The file decides what every program may do: only root may write it. */
static int check_owner(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not root",
			 path, (unsigned int)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s: writable by group or others (mode %04o); only root may write it",
			 path, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	struct conf_ctx c = { .file = path, .err = err, .errlen = errlen };
	struct config *cfg = NULL;
	config_setting_t *root;
	config_t lc;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	config_init(&lc);
	if (check_owner(fd, path, err, errlen) ||
	    config_read_fd(&lc, fd, path, err, errlen))
		goto out;
	cfg = config_defaults(path);
	if (!cfg) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	root = config_root_setting(&lc);
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned int)i);
		const char *name = config_setting_name(s);
		bool ok;

		c.what[0] = '\0';
		if (!strcmp(name, "sactld"))
			ok = parse_sactld(&c, s, cfg);
		else if (!strcmp(name, "rules"))
			ok = parse_rules(&c, s, cfg);
		else
			ok = conf_fail(&c, s, "unknown setting \"%s\" (expected sactld, rules)",
				       name);
		if (!ok) {
			config_free(cfg);
			cfg = NULL;
			goto out;
		}
	}
out:
	config_destroy(&lc);
	close(fd);
	return cfg;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	ruleset_free(c->rules);
	free(c->path);
	free(c->state_dir);
	free(c->prompt_socket);
	free(c->control_socket);
	free(c);
}
