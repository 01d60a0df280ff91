#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* The libcurl functions watcher calls, found in the library once it is opened. */
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_send)(CURL *, const void *, size_t, size_t *);
    CURLcode (*easy_recv)(CURL *, void *, size_t, size_t *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    char *(*version)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[512] = "libcurl was not loaded";

static void load(void) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "libcurl cannot be loaded: %s", dlerror());
        return;
    }
#define FIND(field, symbol)                                                                         \
    do {                                                                                            \
        *(void **)(&api.field) = dlsym(lib, symbol);                                                \
        if (!api.field) {                                                                           \
            snprintf(load_error, sizeof load_error, "libcurl.so.4 lacks %s", symbol);              \
            return;                                                                                 \
        }                                                                                           \
    } while (0)
    FIND(global_init, "curl_global_init");
    FIND(easy_init, "curl_easy_init");
    FIND(easy_cleanup, "curl_easy_cleanup");
    FIND(easy_perform, "curl_easy_perform");
    FIND(easy_strerror, "curl_easy_strerror");
    FIND(easy_send, "curl_easy_send");
    FIND(easy_recv, "curl_easy_recv");
    FIND(slist_append, "curl_slist_append");
    FIND(slist_free_all, "curl_slist_free_all");
    FIND(version, "curl_version");
    FIND(easy_setopt, "curl_easy_setopt");
    FIND(easy_getinfo, "curl_easy_getinfo");
#undef FIND
    loaded = 1;
}

static int ready(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *ccurl_load_error(void) { return ready() ? NULL : load_error; }

CURLcode ccurl_global_init(long flags) { return ready() ? api.global_init(flags) : CURLE_FAILED_INIT; }
CURL *ccurl_easy_init(void) { return ready() ? api.easy_init() : NULL; }
void ccurl_easy_cleanup(CURL *h) { if (ready()) api.easy_cleanup(h); }
CURLcode ccurl_easy_perform(CURL *h) { return ready() ? api.easy_perform(h) : CURLE_FAILED_INIT; }
const char *ccurl_easy_strerror(CURLcode code) { return ready() ? api.easy_strerror(code) : load_error; }
CURLcode ccurl_easy_send(CURL *h, const void *b, size_t n, size_t *sent) {
    return ready() ? api.easy_send(h, b, n, sent) : CURLE_FAILED_INIT;
}
CURLcode ccurl_easy_recv(CURL *h, void *b, size_t n, size_t *got) {
    return ready() ? api.easy_recv(h, b, n, got) : CURLE_FAILED_INIT;
}
struct curl_slist *ccurl_slist_append(struct curl_slist *l, const char *s) { return ready() ? api.slist_append(l, s) : NULL; }
void ccurl_slist_free_all(struct curl_slist *l) { if (ready()) api.slist_free_all(l); }
const char *ccurl_version(void) { return ready() ? api.version() : load_error; }

CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return ready() ? api.easy_setopt(h, o, v) : CURLE_FAILED_INIT; }
CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return ready() ? api.easy_setopt(h, o, v) : CURLE_FAILED_INIT; }
CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) { return ready() ? api.easy_setopt(h, o, v) : CURLE_FAILED_INIT; }
CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return ready() ? api.easy_setopt(h, o, v) : CURLE_FAILED_INIT; }
CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return ready() ? api.easy_setopt(h, o, v) : CURLE_FAILED_INIT; }
CURLcode ccurl_setopt_callback(CURL *h, CURLoption o, ccurl_data_callback cb) { return ready() ? api.easy_setopt(h, o, cb) : CURLE_FAILED_INIT; }
CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *out) { return ready() ? api.easy_getinfo(h, i, out) : CURLE_FAILED_INIT; }
CURLcode ccurl_getinfo_socket(CURL *h, curl_socket_t *out) {
    return ready() ? api.easy_getinfo(h, CURLINFO_ACTIVESOCKET, out) : CURLE_FAILED_INIT;
}
