/*
 * lsp.c - `vgpuc lsp`: the Language Server Protocol 3.17 loop over stdio.
 *
 * One table maps each method to its handler. The loop reads a message,
 * answers it, and, when no more input is waiting, compiles the documents
 * changed since and publishes their diagnostics: a burst of edits is
 * compiled once (the debounce is the input queue, not a timer, so an idle
 * editor gets its diagnostics without delay). Whatever the client sends --
 * malformed JSON, a wrong shape, an unknown method, out-of-range positions,
 * a vanishing pipe -- is answered with the JSON-RPC error the protocol
 * wants, or ignored where it wants nothing; the server never stops for it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/lsp.h"
#include "driver/lsp_io.h"

struct server {
    struct vg_lsp_io io;
    struct vg_lsp_docs docs;
    struct vg_lsp_settings s;
    int initialized; /* `initialize` answered */
    int shutdown;    /* `shutdown` answered */
    int exit_code;   /* set by `exit`: -1 = keep running */
};

static void send_msg(struct server *sv, json_t *msg)
{
    if (msg)
        vg_lsp_write(&sv->io, msg);
    json_decref(msg);
}

static void reply(struct server *sv, json_t *id, json_t *result)
{
    send_msg(sv,
             json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
                       result ? result : json_null()));
}

static void reply_error(struct server *sv, json_t *id, int code, const char *message)
{
    send_msg(sv,
             json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", "code", code,
                       "message", message));
}

static void notify(struct server *sv, const char *method, json_t *params)
{
    send_msg(sv, json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", method, "params", params));
}

static void publish(struct server *sv, struct vg_lsp_doc *d)
{
    vg_lsp_doc_compile(d, &sv->s);
    d->pending = 0;
    notify(sv, "textDocument/publishDiagnostics", vg_lsp_doc_diagnostics(d, &sv->s));
}

static void publish_dirty(struct server *sv)
{
    for (struct vg_lsp_doc *d = sv->docs.first; d; d = d->next)
        if (d->pending)
            publish(sv, d);
}

/* --- lifecycle ------------------------------------------------------------ */

static int offers_utf8(json_t *params)
{
    json_t *encs =
        json_object_get(json_object_get(json_object_get(params, "capabilities"), "general"), "positionEncodings");
    size_t i;
    json_t *e;
    json_array_foreach(encs, i, e) if (json_is_string(e) && strcmp(json_string_value(e), "utf-8") == 0) return 1;
    return 0;
}

static json_t *on_initialize(struct server *sv, json_t *params, int *err, const char **msg)
{
    if (sv->initialized) {
        *err = VG_RPC_INVALID_REQUEST;
        *msg = "initialize was already received";
        return NULL;
    }
    sv->initialized = 1;
    sv->s.utf8 = offers_utf8(params);
    json_t *docs = json_object_get(json_object_get(params, "initializationOptions"), "docsUrl");
    if (json_is_string(docs))
        sv->s.docs_url = vg_xstrdup(json_string_value(docs)); /* kept until exit */
    json_t *caps = json_pack("{s:s,s:{s:b,s:i,s:{s:b}},s:b,s:b,s:b,s:{s:[s,s,s,s]},s:b,s:b,s:b}", "positionEncoding",
                             sv->s.utf8 ? "utf-8" : "utf-16", "textDocumentSync", "openClose", 1, "change", 2, "save",
                             "includeText", 0, "documentSymbolProvider", 1, "foldingRangeProvider", 1, "hoverProvider",
                             1, "completionProvider", "triggerCharacters", " ", "-", ".", "\"", "definitionProvider", 1,
                             "referencesProvider", 1, "documentFormattingProvider", 1);
    json_object_set_new(caps, "codeActionProvider", json_pack("{s:[s]}", "codeActionKinds", "quickfix"));
    json_object_set_new(caps, "executeCommandProvider", json_pack("{s:[s]}", "commands", "vgpuc.plan"));
    return json_pack("{s:o,s:{s:s,s:s}}", "capabilities", caps, "serverInfo", "name", "vgpuc", "version",
                     VGPUC_VERSION);
}

static json_t *on_shutdown(struct server *sv, json_t *params, int *err, const char **msg)
{
    sv->shutdown = 1;
    return json_null();
}

static void on_exit_notification(struct server *sv, json_t *params) { sv->exit_code = sv->shutdown ? 0 : 1; }

static void on_ignore(struct server *sv, json_t *params) {}

/* --- text synchronisation ------------------------------------------------- */

static const char *doc_uri(json_t *params)
{
    return json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
}

static int64_t doc_version(json_t *params)
{
    json_t *v = json_object_get(json_object_get(params, "textDocument"), "version");
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static void on_did_open(struct server *sv, json_t *params)
{
    const char *uri = doc_uri(params);
    json_t *text = json_object_get(json_object_get(params, "textDocument"), "text");
    if (!uri || !json_is_string(text))
        return;
    struct vg_lsp_doc *d =
        vg_lsp_doc_open(&sv->docs, uri, json_string_value(text), json_string_length(text), doc_version(params));
    vg_lsp_docs_touch(&sv->docs, d); /* the files that include it now read this buffer */
}

/* Apply one content change: a range replacement (incremental sync, which
 * the server asks for: a keystroke in a 1.6 MB file is then a few bytes of
 * JSON, not the whole text), or the whole text (full sync, which a client
 * may always send). */
static void apply_change(struct vg_lsp_doc *d, json_t *change, int64_t version, int utf8)
{
    json_t *text = json_object_get(change, "text");
    if (!json_is_string(text))
        return;
    json_t *range = json_object_get(change, "range");
    if (!range) {
        vg_lsp_doc_set_text(d, json_string_value(text), json_string_length(text), version);
        return;
    }
    json_t *st = json_object_get(range, "start"), *en = json_object_get(range, "end");
    struct vg_lsp_text t = vg_lsp_doc_text(d);
    uint32_t a = vg_lsp_offset(&t, json_integer_value(json_object_get(st, "line")),
                               json_integer_value(json_object_get(st, "character")), utf8);
    uint32_t b = vg_lsp_offset(&t, json_integer_value(json_object_get(en, "line")),
                               json_integer_value(json_object_get(en, "character")), utf8);
    if (b < a)
        b = a;
    size_t n = json_string_length(text), len = d->len - (b - a) + n;
    char *buf = vg_xmalloc(len + 1);
    memcpy(buf, d->text, a);
    memcpy(buf + a, json_string_value(text), n);
    memcpy(buf + a + n, d->text + b, d->len - b);
    vg_lsp_doc_set_text(d, buf, len, version);
    free(buf);
}

static void on_did_change(struct server *sv, json_t *params)
{
    const char *uri = doc_uri(params);
    struct vg_lsp_doc *d = uri ? vg_lsp_doc_find(&sv->docs, uri) : NULL;
    if (!d)
        return;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(params, "contentChanges"), i, c)
        apply_change(d, c, doc_version(params), sv->s.utf8);
    vg_lsp_docs_touch(&sv->docs, d);
}

static void on_did_close(struct server *sv, json_t *params)
{
    const char *uri = doc_uri(params);
    struct vg_lsp_doc *d = uri ? vg_lsp_doc_find(&sv->docs, uri) : NULL;
    if (!d)
        return;
    json_t *p = json_pack("{s:s,s:[]}", "uri", uri, "diagnostics");
    vg_lsp_docs_touch(&sv->docs, d); /* they read the file on disk again */
    vg_lsp_doc_close(&sv->docs, d);
    notify(sv, "textDocument/publishDiagnostics", p); /* clear them */
}

static void on_did_save(struct server *sv, json_t *params)
{
    /* a saved .vgpuc.yaml or include may change the result: compile again */
    const char *uri = doc_uri(params);
    struct vg_lsp_doc *d = uri ? vg_lsp_doc_find(&sv->docs, uri) : NULL;
    if (d) {
        d->dirty = d->pending = 1;
        vg_lsp_docs_touch(&sv->docs, d);
    }
}

/* --- commands ---------------------------------------------------------------- */

static json_t *on_execute_command(struct server *sv, json_t *params, int *err, const char **msg)
{
    const char *cmd = json_string_value(json_object_get(params, "command"));
    const char *uri = json_string_value(json_array_get(json_object_get(params, "arguments"), 0));
    struct vg_lsp_doc *d = uri ? vg_lsp_doc_find(&sv->docs, uri) : NULL;
    if (!cmd || strcmp(cmd, "vgpuc.plan") != 0) {
        *err = VG_RPC_INVALID_PARAMS;
        *msg = "unknown command (the server has vgpuc.plan)";
        return NULL;
    }
    if (!d) {
        *err = VG_RPC_INVALID_PARAMS;
        *msg = "vgpuc.plan: the first argument must be the URI of an open document";
        return NULL;
    }
    vg_lsp_doc_compile(d, &sv->s);
    return vg_lsp_plan_command(d, params, &sv->s, err, msg);
}

/* --- the method table ----------------------------------------------------- */

typedef json_t *(*request_fn)(struct server *sv, json_t *params, int *err, const char **msg);
typedef void (*notify_fn)(struct server *sv, json_t *params);

static const struct method {
    const char *name;
    request_fn request;        /* a request ... */
    vg_lsp_feature_fn feature; /* ... a request about one open document ... */
    notify_fn notification;    /* ... or a notification */
} methods[] = {
    {"initialize", on_initialize, NULL, NULL},
    {"shutdown", on_shutdown, NULL, NULL},
    {"initialized", NULL, NULL, on_ignore},
    {"exit", NULL, NULL, on_exit_notification},
    {"textDocument/didOpen", NULL, NULL, on_did_open},
    {"textDocument/didChange", NULL, NULL, on_did_change},
    {"textDocument/didClose", NULL, NULL, on_did_close},
    {"textDocument/didSave", NULL, NULL, on_did_save},
    {"workspace/didChangeConfiguration", NULL, NULL, on_ignore},
    {"workspace/didChangeWatchedFiles", NULL, NULL, on_ignore},
    {"textDocument/documentSymbol", NULL, vg_lsp_symbols, NULL},
    {"textDocument/foldingRange", NULL, vg_lsp_folding, NULL},
    {"textDocument/hover", NULL, vg_lsp_hover, NULL},
    {"textDocument/completion", NULL, vg_lsp_completion, NULL},
    {"textDocument/definition", NULL, vg_lsp_definition, NULL},
    {"textDocument/references", NULL, vg_lsp_references, NULL},
    {"textDocument/formatting", NULL, vg_lsp_formatting, NULL},
    {"textDocument/codeAction", NULL, vg_lsp_code_actions, NULL},
    {"workspace/executeCommand", on_execute_command, NULL, NULL},
};
#define NMETHODS (sizeof methods / sizeof methods[0])

static const struct method *find_method(const char *name)
{
    for (size_t i = 0; i < NMETHODS; i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

static json_t *run_feature(struct server *sv, const struct method *m, json_t *params, int *err, const char **msg)
{
    const char *uri = doc_uri(params);
    struct vg_lsp_doc *d = uri ? vg_lsp_doc_find(&sv->docs, uri) : NULL;
    if (!d) {
        *err = VG_RPC_INVALID_PARAMS;
        *msg = uri ? "the document is not open (send textDocument/didOpen first)" : "params.textDocument.uri missing";
        return NULL;
    }
    json_t *pos = json_object_get(params, "position");
    if (pos) {
        json_t *l = json_object_get(pos, "line"), *c = json_object_get(pos, "character");
        if (!json_is_integer(l) || !json_is_integer(c) || json_integer_value(l) < 0 || json_integer_value(c) < 0) {
            *err = VG_RPC_INVALID_PARAMS;
            *msg = "params.position must hold a line and a character that are integers >= 0";
            return NULL;
        }
    }
    vg_lsp_doc_compile(d, &sv->s);
    return m->feature(d, params, &sv->s, err, msg);
}

static void handle(struct server *sv, json_t *msg)
{
    if (!json_is_object(msg)) {
        reply_error(sv, NULL, VG_RPC_INVALID_REQUEST, "a message must be a JSON object");
        return;
    }
    json_t *id = json_object_get(msg, "id");
    json_t *method = json_object_get(msg, "method");
    json_t *params = json_object_get(msg, "params");
    if (id && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id)) {
        reply_error(sv, NULL, VG_RPC_INVALID_REQUEST, "`id` must be an integer or a string");
        return;
    }
    if (!json_is_string(method)) {
        if (id && (json_object_get(msg, "result") || json_object_get(msg, "error")))
            return; /* a response; the server sends no requests */
        reply_error(sv, id, VG_RPC_INVALID_REQUEST, "`method` missing or not a string");
        return;
    }
    if (params && !json_is_object(params) && !json_is_array(params)) {
        if (id)
            reply_error(sv, id, VG_RPC_INVALID_PARAMS, "`params` must be an object or an array");
        return;
    }
    const char *name = json_string_value(method);
    const struct method *m = find_method(name);
    if (!id) { /* a notification: never answered */
        if (m && m->notification && (sv->initialized || m->notification == on_exit_notification) &&
            (!sv->shutdown || m->notification == on_exit_notification))
            m->notification(sv, params);
        return;
    }
    if (!m || m->notification) {
        reply_error(sv, id, VG_RPC_METHOD_NOT_FOUND, "unknown method");
        return;
    }
    if (!sv->initialized && m->request != on_initialize) {
        reply_error(sv, id, VG_RPC_NOT_INITIALIZED, "the server is not initialized");
        return;
    }
    if (sv->shutdown) {
        reply_error(sv, id, VG_RPC_INVALID_REQUEST, "the server is shut down");
        return;
    }
    if (m->feature && !json_is_object(params)) {
        reply_error(sv, id, VG_RPC_INVALID_PARAMS, "`params` must be an object");
        return;
    }
    publish_dirty(sv); /* a stream of edits still gets its diagnostics at each request */
    if (!m->feature && params && !json_is_object(params) && m->request != on_shutdown) {
        reply_error(sv, id, VG_RPC_INVALID_PARAMS, "`params` must be an object");
        return;
    }
    int err = 0;
    const char *emsg = NULL;
    json_t *result = m->feature ? run_feature(sv, m, params, &err, &emsg) : m->request(sv, params, &err, &emsg);
    if (err)
        reply_error(sv, id, err, emsg ? emsg : "request failed");
    else
        reply(sv, id, result);
}

int vg_lsp_serve(int in_fd, int out_fd, const struct vg_lsp_settings *settings)
{
    struct server sv;
    memset(&sv, 0, sizeof sv);
    sv.s = *settings;
    sv.exit_code = -1;
    vg_lsp_io_init(&sv.io, in_fd, out_fd);
    signal(SIGPIPE, SIG_IGN); /* a closed client is a write error, not a signal */
    const char *default_docs = sv.s.docs_url;
    int rc = 1;
    for (;;) {
        if (!vg_lsp_input_pending(&sv.io))
            publish_dirty(&sv);
        json_t *msg;
        enum vg_lsp_read r = vg_lsp_read(&sv.io, &msg);
        if (r == VG_LSP_EOF) {
            rc = sv.shutdown ? 0 : 1;
            break;
        }
        if (r == VG_LSP_BAD_JSON)
            reply_error(&sv, NULL, VG_RPC_PARSE_ERROR, "the message is not valid JSON");
        else if (r == VG_LSP_TOO_LARGE)
            reply_error(&sv, NULL, VG_RPC_PARSE_ERROR, "the message is larger than 64 MiB; skipped");
        else if (r == VG_LSP_BAD_HEADER)
            fputs("vgpuc lsp: a message without Content-Length was skipped\n", stderr);
        else {
            handle(&sv, msg);
            json_decref(msg);
        }
        if (sv.exit_code >= 0) {
            rc = sv.exit_code;
            break;
        }
        if (sv.io.write_failed)
            break; /* the client is gone */
    }
    if (sv.s.docs_url != default_docs)
        free((char *)sv.s.docs_url);
    vg_lsp_docs_free(&sv.docs);
    vg_lsp_io_free(&sv.io);
    return rc;
}
