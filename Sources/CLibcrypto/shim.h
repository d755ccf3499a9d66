#ifndef SIGMARIS_CLIBCRYPTO_SHIM_H
#define SIGMARIS_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
