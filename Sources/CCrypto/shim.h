// OpenSSL's libcrypto (already on the machine as libcurl's TLS library): SHA-256 for content keys.
#include <openssl/sha.h>
