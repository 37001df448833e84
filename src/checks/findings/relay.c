/* relay.c — finding IDs of the security audit. Part of the catalogue assembled
 * in finding.c; IDs are stable API (add, never rename) and documented in
 * docs/findings.md (scripts/gen-findings-doc.py). Empty until the module that
 * emits them lands. */
#include <stddef.h>

#include "checks/finding.h"

const finding_part finding_part_relay = {NULL, 0};
