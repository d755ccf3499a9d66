#ifndef SIGMARIS_CCURL_SHIM_H
#define SIGMARIS_CCURL_SHIM_H

#include <curl/curl.h>

/*
 * Swift cannot call C variadic functions, and libcurl's most important entry
 * points (curl_easy_setopt, curl_easy_getinfo) are variadic. Each wrapper
 * below pins down one argument type, so the value crosses the variadic
 * boundary with exactly the type libcurl will va_arg() it as. Passing an int
 * where libcurl reads a long (or a curl_off_t) is undefined behaviour, which
 * is why there is one wrapper per documented option type rather than one
 * "generic" setter.
 */

/* Options documented as taking a `long` (flags, timeouts in ms, ...). */
static inline CURLcode sigmaris_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options documented as taking a `curl_off_t` (the *_LARGE variants). */
static inline CURLcode sigmaris_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options documented as taking a `char *`; libcurl copies the string. */
static inline CURLcode sigmaris_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/* Options documented as taking an opaque pointer (userdata, slists). */
static inline CURLcode sigmaris_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share this signature. */
static inline CURLcode sigmaris_curl_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/* Multi-handle options documented as taking a `long` (e.g. CURLMOPT_MAXCONNECTS). */
static inline CURLMcode sigmaris_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

/*
 * Request body. The size must be set before CURLOPT_COPYPOSTFIELDS so libcurl
 * copies exactly `length` bytes (bodies may contain NULs). libcurl treats a
 * NULL data pointer specially, so an empty body is passed as "".
 */
static inline CURLcode sigmaris_curl_easy_set_body(CURL *handle, const void *data, curl_off_t length) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, length);
    if (code != CURLE_OK) {
        return code;
    }
    return curl_easy_setopt(handle, CURLOPT_COPYPOSTFIELDS, data != NULL ? data : "");
}

/* CURLINFO_* values documented as `long` (e.g. CURLINFO_RESPONSE_CODE). */
static inline CURLcode sigmaris_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/* CURL_GLOBAL_DEFAULT is a macro expression Swift does not import. */
static inline CURLcode sigmaris_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}

#endif
