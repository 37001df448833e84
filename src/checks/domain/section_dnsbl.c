/* section_dnsbl.c — STUB: being written; see run.h for the contract. */
#include "checks/domain/run.h"

const domain_section_ops domain_section_dnsbl = {.id = DSEC_DNSBL};
