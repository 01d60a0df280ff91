#include "ccrypto.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* OpenSSL's one-shot SHA256(), present in libcrypto 1.1 and 3. */
static unsigned char *(*sha256)(const unsigned char *, size_t, unsigned char *);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512] = "libcrypto was not loaded";

static void load(void) {
    static const char *const names[] = {"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"};
    void *lib = NULL;
    for (size_t k = 0; k < sizeof names / sizeof names[0] && !lib; k++) lib = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "libcrypto cannot be loaded: %s", dlerror());
        return;
    }
    *(void **)(&sha256) = dlsym(lib, "SHA256");
    if (!sha256) snprintf(load_error, sizeof load_error, "libcrypto lacks SHA256");
}

static int ready(void) {
    pthread_once(&once, load);
    return sha256 != NULL;
}

const char *ccrypto_load_error(void) { return ready() ? NULL : load_error; }

int ccrypto_sha256(const void *data, size_t length, unsigned char digest[32]) {
    if (!ready()) return -1;
    sha256((const unsigned char *)data, length, digest);
    return 0;
}
