#ifndef CCRYPTO_H
#define CCRYPTO_H
#include <stddef.h>

/*
 * SHA-256 from the system's OpenSSL libcrypto, opened on first use (dlopen), not when the program
 * starts: loading it costs every process most of a millisecond and a hundred page faults, and
 * only the ledger's content keys need it (analyze never does).
 */

/* Writes the 32-byte SHA-256 digest of `length` bytes at `data` to `digest`. Returns 0, or -1 when
 * libcrypto cannot be loaded (ccrypto_load_error() says why). */
int ccrypto_sha256(const void *data, size_t length, unsigned char digest[32]);

/* NULL once libcrypto is loaded; otherwise why it could not be. */
const char *ccrypto_load_error(void);
#endif
