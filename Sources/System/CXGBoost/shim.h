#ifndef MAGNUS_CXGBOOST_SHIM_H
#define MAGNUS_CXGBOOST_SHIM_H
#include <xgboost/c_api.h>
#endif
