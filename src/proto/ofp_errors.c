#include "proto/ofp_errors.h"

#include <stdio.h>

#include "core/util.h"

static const char *const type_names[] = {
    "OFPET_HELLO_FAILED", "OFPET_BAD_REQUEST", "OFPET_BAD_ACTION",
    "OFPET_BAD_INSTRUCTION", "OFPET_BAD_MATCH", "OFPET_FLOW_MOD_FAILED",
    "OFPET_GROUP_MOD_FAILED", "OFPET_PORT_MOD_FAILED", "OFPET_TABLE_MOD_FAILED",
    "OFPET_QUEUE_OP_FAILED", "OFPET_SWITCH_CONFIG_FAILED",
    "OFPET_ROLE_REQUEST_FAILED", "OFPET_METER_MOD_FAILED",
    "OFPET_TABLE_FEATURES_FAILED",
};

const char *ofperr_to_string(enum ofperr e)
{
    switch (e) {
    case OFPERR_HELLO_INCOMPATIBLE: return "OFPHFC_INCOMPATIBLE";
    case OFPERR_BAD_REQUEST_VERSION: return "OFPBRC_BAD_VERSION";
    case OFPERR_BAD_REQUEST_TYPE: return "OFPBRC_BAD_TYPE";
    case OFPERR_BAD_REQUEST_MULTIPART: return "OFPBRC_BAD_MULTIPART";
    case OFPERR_BAD_REQUEST_EXPERIMENTER: return "OFPBRC_BAD_EXPERIMENTER";
    case OFPERR_BAD_REQUEST_LEN: return "OFPBRC_BAD_LEN";
    case OFPERR_BAD_REQUEST_PORT: return "OFPBRC_BAD_PORT";
    case OFPERR_BAD_REQUEST_PACKET: return "OFPBRC_BAD_PACKET";
    case OFPERR_BAD_ACTION_TYPE: return "OFPBAC_BAD_TYPE";
    case OFPERR_BAD_ACTION_LEN: return "OFPBAC_BAD_LEN";
    case OFPERR_BAD_ACTION_OUT_PORT: return "OFPBAC_BAD_OUT_PORT";
    case OFPERR_BAD_ACTION_ARGUMENT: return "OFPBAC_BAD_ARGUMENT";
    case OFPERR_BAD_ACTION_SET_TYPE: return "OFPBAC_BAD_SET_TYPE";
    case OFPERR_BAD_ACTION_SET_LEN: return "OFPBAC_BAD_SET_LEN";
    case OFPERR_BAD_ACTION_SET_ARGUMENT: return "OFPBAC_BAD_SET_ARGUMENT";
    case OFPERR_BAD_INSTRUCTION_UNKNOWN: return "OFPBIC_UNKNOWN_INST";
    case OFPERR_BAD_INSTRUCTION_LEN: return "OFPBIC_BAD_LEN";
    case OFPERR_BAD_MATCH_TYPE: return "OFPBMC_BAD_TYPE";
    case OFPERR_BAD_MATCH_LEN: return "OFPBMC_BAD_LEN";
    case OFPERR_BAD_MATCH_FIELD: return "OFPBMC_BAD_FIELD";
    case OFPERR_BAD_MATCH_VALUE: return "OFPBMC_BAD_VALUE";
    case OFPERR_BAD_MATCH_DUP_FIELD: return "OFPBMC_DUP_FIELD";
    case OFPERR_FLOW_MOD_FAILED_UNKNOWN: return "OFPFMFC_UNKNOWN";
    }
    return "OFPERR_UNKNOWN";
}

const char *ofperr_pair_to_string(uint16_t type, uint16_t code, char *buf, int size)
{
    if (type < ARRAY_SIZE(type_names)) {
        snprintf(buf, (size_t)size, "%s(code %u)", type_names[type], code);
    } else {
        snprintf(buf, (size_t)size, "type %u code %u", type, code);
    }
    return buf;
}
