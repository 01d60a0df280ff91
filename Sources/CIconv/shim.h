#ifndef CICONV_SHIM_H
#define CICONV_SHIM_H
#include <iconv.h>
#include <errno.h>
/* glibc's iconv; errno is a macro Swift cannot read portably, so expose it. */
static inline int ciconv_errno(void) { return errno; }
#endif
