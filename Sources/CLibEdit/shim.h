/*
 * shim.h: the parts of libedit (histedit.h) that Swift cannot call directly.
 *
 * el_wset / el_wget / history_w are variadic, and stdin/stdout/stderr and MB_CUR_MAX are
 * macros, so this header offers small non-variadic static inline wrappers around them,
 * plus the SIGINT handling used while a line is being read (kept in C so that the
 * handler is async-signal-safe and Swift never touches a mutable global).
 */
#ifndef SALESH_CLIBEDIT_SHIM_H
#define SALESH_CLIBEDIT_SHIM_H

#include <histedit.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* wcwidth needs _XOPEN_SOURCE in glibc; declare it so it is always visible. */
extern int wcwidth(wchar_t c);

/* ---- the standard streams and locale macros ---- */

static inline FILE *salesh_le_stdin(void) { return stdin; }
static inline FILE *salesh_le_stdout(void) { return stdout; }
static inline FILE *salesh_le_stderr(void) { return stderr; }
static inline int salesh_le_mb_cur_max(void) { return (int)MB_CUR_MAX; }

/* Makes LC_CTYPE multibyte-capable: the environment's locale, or C.UTF-8 when that is
 * the C/POSIX locale (or unusable). Returns 1 when MB_CUR_MAX > 1 afterwards. */
static inline int salesh_le_setup_locale(void) {
    if (setlocale(LC_CTYPE, "") == NULL || MB_CUR_MAX == 1) {
        if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
            setlocale(LC_CTYPE, "C.utf8") == NULL &&
            setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
            /* keep whatever we have */
        }
    }
    return MB_CUR_MAX > 1;
}

/* An empty prompt, for a prompt callback that cannot find its editor. */
static inline wchar_t *salesh_le_empty_prompt(void) {
    static wchar_t empty[1] = { 0 };
    return empty;
}

/* Display width of one character (-1 for non-printable). */
static inline int salesh_le_wcwidth(wchar_t c) { return wcwidth(c); }

/* Terminal width of a file descriptor, 0 when unknown. */
static inline int salesh_le_term_columns(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return (int)ws.ws_col;
    return 0;
}

/* ---- el_wset / el_wget ---- */

typedef wchar_t *(*salesh_le_prompt_fn)(EditLine *);
typedef unsigned char (*salesh_le_editor_fn)(EditLine *, int);

static inline int salesh_el_set_prompt(EditLine *el, salesh_le_prompt_fn fn) {
    return el_wset(el, EL_PROMPT, fn);
}
/* The prompt may contain literal (non-printing) sequences bracketed by `esc`. */
static inline int salesh_el_set_prompt_esc(EditLine *el, salesh_le_prompt_fn fn, wchar_t esc) {
    return el_wset(el, EL_PROMPT_ESC, fn, (int)esc);
}
static inline int salesh_el_set_editor(EditLine *el, const wchar_t *mode) {
    return el_wset(el, EL_EDITOR, mode);
}
static inline int salesh_el_set_signal(EditLine *el, int on) {
    return el_wset(el, EL_SIGNAL, on);
}
static inline int salesh_el_set_hist(EditLine *el, HistoryW *h) {
    return el_wset(el, EL_HIST, history_w, h);
}
static inline int salesh_el_add_fn(EditLine *el, const wchar_t *name, const wchar_t *help,
                                   salesh_le_editor_fn fn) {
    return el_wset(el, EL_ADDFN, name, help, fn);
}
/* bind KEY COMMAND (both in .editrc `bind` syntax, e.g. L"^R", L"em-inc-search-prev"). */
static inline int salesh_el_bind(EditLine *el, const wchar_t *key, const wchar_t *command) {
    return el_wset(el, EL_BIND, key, command, (const wchar_t *)NULL);
}
/* settc CAP VALUE (e.g. L"ic", L"" to drop a capability). */
static inline int salesh_el_settc(EditLine *el, const wchar_t *cap, const wchar_t *value) {
    return el_wset(el, EL_SETTC, cap, value, (const wchar_t *)NULL);
}
static inline int salesh_el_set_clientdata(EditLine *el, void *data) {
    return el_wset(el, EL_CLIENTDATA, data);
}
static inline void *salesh_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    if (el_wget(el, EL_CLIENTDATA, &data) != 0)
        return NULL;
    return data;
}
static inline int salesh_el_refresh(EditLine *el) {
    return el_wset(el, EL_REFRESH);
}
static inline FILE *salesh_el_get_outfile(EditLine *el) {
    FILE *fp = NULL;
    if (el_wget(el, EL_GETFP, 1, &fp) != 0)
        return NULL;
    return fp;
}

/* ---- history_w ---- */

static inline int salesh_hist_setsize(HistoryW *h, int size) {
    HistEventW ev;
    return history_w(h, &ev, H_SETSIZE, size);
}
static inline int salesh_hist_setunique(HistoryW *h, int unique) {
    HistEventW ev;
    return history_w(h, &ev, H_SETUNIQUE, unique);
}
static inline int salesh_hist_enter(HistoryW *h, const wchar_t *line) {
    HistEventW ev;
    return history_w(h, &ev, H_ENTER, line);
}
static inline int salesh_hist_load(HistoryW *h, const char *path) {
    HistEventW ev;
    return history_w(h, &ev, H_LOAD, path);
}
static inline int salesh_hist_save(HistoryW *h, const char *path) {
    HistEventW ev;
    return history_w(h, &ev, H_SAVE, path);
}
static inline int salesh_hist_save_fp(HistoryW *h, FILE *fp) {
    HistEventW ev;
    return history_w(h, &ev, H_SAVE_FP, fp);
}
static inline int salesh_hist_clear(HistoryW *h) {
    HistEventW ev;
    return history_w(h, &ev, H_CLEAR);
}
static inline int salesh_hist_count(HistoryW *h) {
    HistEventW ev;
    if (history_w(h, &ev, H_GETSIZE) != 0)
        return 0;
    return ev.num;
}
/* The most recent entry, or NULL. */
static inline const wchar_t *salesh_hist_first(HistoryW *h) {
    HistEventW ev;
    if (history_w(h, &ev, H_FIRST) != 0)
        return NULL;
    return ev.str;
}
/* Moves the history cursor to the next older entry, or NULL at the end. */
static inline const wchar_t *salesh_hist_next_older(HistoryW *h) {
    HistEventW ev;
    if (history_w(h, &ev, H_NEXT) != 0)
        return NULL;
    return ev.str;
}

/* ---- SIGINT while reading ----
 * The state lives in function-local statics: Swift's importer emits static inline functions
 * (and their local statics) reliably, file-scope statics in a header not always. */

struct salesh_le_sigint_state {
    volatile sig_atomic_t seen;
    int installed;
    struct sigaction saved;
};

static inline struct salesh_le_sigint_state *salesh_le_sigint_state(void) {
    static struct salesh_le_sigint_state state;
    return &state;
}

static inline void salesh_le_on_sigint(int signo) {
    (void)signo;
    salesh_le_sigint_state()->seen = 1;
}

/* Installs a SIGINT handler without SA_RESTART (so the read in el_wgets fails with EINTR)
 * and clears the flag. */
static inline int salesh_le_install_sigint(void) {
    struct salesh_le_sigint_state *st = salesh_le_sigint_state();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = salesh_le_on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    st->seen = 0;
    if (sigaction(SIGINT, &sa, &st->saved) != 0)
        return -1;
    st->installed = 1;
    return 0;
}
/* Puts back the handler that was there before salesh_le_install_sigint. */
static inline void salesh_le_restore_sigint(void) {
    struct salesh_le_sigint_state *st = salesh_le_sigint_state();
    if (st->installed) {
        sigaction(SIGINT, &st->saved, NULL);
        st->installed = 0;
    }
}
static inline int salesh_le_sigint_pending(void) { return salesh_le_sigint_state()->seen != 0; }
static inline void salesh_le_sigint_clear(void) { salesh_le_sigint_state()->seen = 0; }

#endif /* SALESH_CLIBEDIT_SHIM_H */
