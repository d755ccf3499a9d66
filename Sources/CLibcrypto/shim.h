#ifndef SIGMARIS_CLIBCRYPTO_SHIM_H
#define SIGMARIS_CLIBCRYPTO_SHIM_H

/* Hide everything OpenSSL 3.0 deprecated, so Swift code cannot drift back to the
   legacy RSA_* / EC_KEY_* / HMAC_CTX APIs by accident. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>

/* EVP_PKEY_PUBLIC_KEY is a nested macro expression that Swift does not import. */
static inline int sigmaris_evp_pkey_public_key_selection(void) {
    return EVP_PKEY_PUBLIC_KEY;
}


/* OSSL_PARAM_BLD keeps the parameter *name* pointer (not a copy) in the OSSL_PARAM array it builds,
   so names must have static storage. Swift imports the OSSL_PKEY_PARAM_* string macros as Swift
   Strings, whose C form is temporary; these return the C literals themselves. */
static inline const char *sigmaris_param_rsa_n(void) { return OSSL_PKEY_PARAM_RSA_N; }
static inline const char *sigmaris_param_rsa_e(void) { return OSSL_PKEY_PARAM_RSA_E; }
static inline const char *sigmaris_param_group_name(void) { return OSSL_PKEY_PARAM_GROUP_NAME; }
static inline const char *sigmaris_param_public_key(void) { return OSSL_PKEY_PARAM_PUB_KEY; }
static inline const char *sigmaris_param_ec_pub_x(void) { return OSSL_PKEY_PARAM_EC_PUB_X; }
static inline const char *sigmaris_param_ec_pub_y(void) { return OSSL_PKEY_PARAM_EC_PUB_Y; }
static inline const char *sigmaris_curve_p256(void) { return SN_X9_62_prime256v1; }

#endif
