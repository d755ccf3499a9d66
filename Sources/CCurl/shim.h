#ifndef SIGMARIS_CCURL_SHIM_H
#define SIGMARIS_CCURL_SHIM_H
#include <curl/curl.h>
#endif
