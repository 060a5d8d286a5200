/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driving a GTK program from outside, as a person would: AT-SPI (libatspi)
 * to find widgets by role and name and to read where they are on the
 * screen, then real X input (xdotool: pointer motion, clicks, keys) and
 * screenshots (ImageMagick's import) of the X server in $DISPLAY.
 *
 * Each lookup asks the application afresh, so it sees the state of that
 * moment; the gui_wait_*() helpers poll until a condition holds or a
 * deadline passes.
 */
#ifndef SACTL_GUI_H
#define SACTL_GUI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <atspi/atspi.h>

/* What to look for: every set field must match. */
struct gui_want {
	AtspiRole role;		/* ATSPI_ROLE_INVALID: any role */
	AtspiRole role2;	/* another role that matches too, or INVALID */
	const char *name;	/* the exact accessible name, or NULL */
	const char *part;	/* a substring of the name, or NULL */
	const char *prefix;	/* the name's start, or NULL */
	bool visible;		/* only visible ones (a hidden row is gone) */
	bool showing;		/* only ones on the screen now */
	AtspiStateType state;	/* only ones in this state, or INVALID */
};

/* Connect to the AT-SPI bus of the session in $DBUS_SESSION_BUS_ADDRESS. */
int gui_init(void);
void gui_exit(void);

/* The application of process @pid, within @ms; a reference, or NULL. */
AtspiAccessible *gui_app(pid_t pid, int ms);

/* The first match under @root (depth first, @root included), or NULL. */
AtspiAccessible *gui_find(AtspiAccessible *root, const struct gui_want *w);
/* Every match under @root, into @out (references); how many. */
size_t gui_find_all(AtspiAccessible *root, const struct gui_want *w,
		    GPtrArray *out);
size_t gui_count(AtspiAccessible *root, const struct gui_want *w);
/* Poll until gui_find() finds one: it, or NULL after @ms. */
AtspiAccessible *gui_wait_find(AtspiAccessible *root, const struct gui_want *w,
			       int ms);
/* Poll until exactly @n match; true, or false after @ms. */
bool gui_wait_count(AtspiAccessible *root, const struct gui_want *w, size_t n,
		    int ms);

/* The accessible name (to be g_free()d; "" if none). */
char *gui_name(AtspiAccessible *a);
bool gui_has_state(AtspiAccessible *a, AtspiStateType state);
/* Where @a is on the screen; 0, or -1 if it has no extents. */
int gui_extents(AtspiAccessible *a, int *x, int *y, int *w, int *h);
/* Names of all descendants with @state, ", "-separated (g_free), or NULL. */
char *gui_names_with_state(AtspiAccessible *root, AtspiStateType state);
/* The tree under @root, one line per accessible, for failure reports. */
void gui_dump(AtspiAccessible *root, FILE *f);

/* sactl-prompt: $SACTL_PROMPT, else the sanitized build's. */
const char *gui_prompt_bin(void);
/* Start sactl-prompt @opt @sock (@opt: "-s" or "--socket"), its stdout
 * and stderr appended to @log.  Its pid, or -1. */
pid_t gui_start_prompt(const char *opt, const char *sock, const char *log);

/*
 * Run @argv (NULL-terminated) with a deadline; its stdout into @out (if
 * not NULL; NUL-terminated, truncated).  The exit status, or -1 if it
 * could not run or was killed at the deadline.
 */
int gui_run(char *out, size_t outlen, int ms, const char *const *argv);

/* A real click of the left button at the centre of @a.  0 or -1. */
int gui_click(AtspiAccessible *a);
/*
 * Click the control @w under @within once it is on the screen and
 * sensitive, waiting up to @ms for that: NULL, or why it was not clicked.
 */
const char *gui_click_ready(AtspiAccessible *within, const struct gui_want *w,
			    int ms);
/* The X window of a mapped toplevel titled exactly @title, or 0. */
unsigned long gui_x_window(const char *title);
/* Give @win the input focus, then type @keys (xdotool key names). */
int gui_keys(unsigned long win, const char *const *keys);
/*
 * Save the screen (or only what is under @a, if not NULL) as NAME.png in
 * $SACTL_SCREENSHOTS (default build/screenshots).  0 or -1.
 */
int gui_screenshot(const char *name, AtspiAccessible *a);

#endif /* SACTL_GUI_H */
