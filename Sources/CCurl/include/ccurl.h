#ifndef CCURL_H
#define CCURL_H
#include <curl/curl.h>

/*
 * libcurl, opened when a command first needs the network (dlopen of libcurl.so.4), not when the
 * program starts: loading it and the libraries it links (TLS, Kerberos, LDAP…) costs several
 * milliseconds, which commands that never connect (analyze --offline, config checks) should not pay.
 * Each function below loads it on first use; when it cannot be loaded, they fail as libcurl does
 * (CURLE_FAILED_INIT, a NULL handle) and ccurl_load_error() says why.
 */

/* NULL once libcurl is loaded; otherwise why it could not be. */
const char *ccurl_load_error(void);

CURLcode ccurl_global_init(long flags);
CURL *ccurl_easy_init(void);
void ccurl_easy_cleanup(CURL *handle);
CURLcode ccurl_easy_perform(CURL *handle);
const char *ccurl_easy_strerror(CURLcode code);
CURLcode ccurl_easy_send(CURL *handle, const void *buffer, size_t length, size_t *sent);
CURLcode ccurl_easy_recv(CURL *handle, void *buffer, size_t length, size_t *received);
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *item);
void ccurl_slist_free_all(struct curl_slist *list);
const char *ccurl_version(void);

/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them, so one typed wrapper per argument kind. */
typedef size_t (*ccurl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v);
CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v);
CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v);
CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v);
CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v);
CURLcode ccurl_setopt_callback(CURL *h, CURLoption o, ccurl_data_callback cb);
CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *out);
CURLcode ccurl_getinfo_socket(CURL *h, curl_socket_t *out);
#endif
