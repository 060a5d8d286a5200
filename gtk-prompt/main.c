// SPDX-License-Identifier: GPL-2.0
/*
 * sactl-prompt: sactl's desktop prompt.  See sactl-prompt(1).
 *
 * It never runs as root: sactld gives an agent only the requests of the
 * user it runs as, so a root prompt would answer for nobody on the
 * desktop, and a GUI toolkit has no business holding root's rights.
 */
#include <locale.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "prompt-app.h"

#define GETTEXT_PACKAGE "sactl-prompt"

/* Without a session bus (a bare X server) there is nothing to be unique
 * in: run anyway, as a single process. */
static GApplicationFlags app_flags(void)
{
	g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SESSION,
							NULL, NULL);

	return bus ? G_APPLICATION_DEFAULT_FLAGS : G_APPLICATION_NON_UNIQUE;
}

int main(int argc, char **argv)
{
	g_autoptr(SactlPromptApp) app = NULL;

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	if (geteuid() == 0) {
		g_printerr(_("sactl-prompt: refusing to run as root; start it in your "
			     "desktop session as yourself (sactld asks each user's own "
			     "prompt about that user's programs)\n"));
		return 1;
	}
	g_set_prgname("sactl-prompt");
	g_set_application_name(_("sactl prompt"));
	app = sactl_prompt_app_new(app_flags());
	return g_application_run(G_APPLICATION(app), argc, argv);
}
