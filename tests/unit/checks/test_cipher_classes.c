/* test_cipher_classes.c — the static cipher-suite tables
 * (checks/security/cipher_classes.c): class names and order, every listed
 * suite named, no duplicates, multi-class suites reported by the mask,
 * reference suites free of weak ones and valid for the version asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "checks/security/cipher_classes.h"

static void classes_in_audit_order(void **state)
{
    (void)state;
    static const char *want[] = {"NULL", "EXPORT", "RC4", "3DES", "anonymous"};
    assert_int_equal(cipher_class_count(), 5);
    for (size_t i = 0; i < 5; i++) {
        const cipher_class *c = cipher_class_get(i);
        assert_non_null(c);
        assert_string_equal(c->name, want[i]);
        assert_true(c->n > 0);
        assert_non_null(c->why);
    }
    assert_null(cipher_class_get(5));
    assert_int_equal(cipher_class_get(CIPHER_CLASS_NULL)->sev, SEV_ERROR);
    assert_int_equal(cipher_class_get(CIPHER_CLASS_3DES)->sev, SEV_WARNING);
}

static void every_suite_named_sorted_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < cipher_class_count(); i++) {
        const cipher_class *c = cipher_class_get(i);
        for (size_t k = 0; k < c->n; k++) {
            const char *name = tls_suite_name(c->suites[k]);
            if (!name)
                fail_msg("%s: suite 0x%04X has no name", c->name, c->suites[k]);
            assert_true(strncmp(name, "TLS_", 4) == 0);
            if (k > 0 && c->suites[k] <= c->suites[k - 1])
                fail_msg("%s: 0x%04X not ascending", c->name, c->suites[k]);
            assert_true(cipher_class_mask(c->suites[k]) & (1u << i));
            assert_true(c->suites[k] != 0x0000 && c->suites[k] != 0x00FF);
        }
    }
    assert_string_equal(tls_suite_name(0x000A), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    assert_string_equal(tls_suite_name(0x00FF), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    assert_string_equal(tls_suite_name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_null(tls_suite_name(0x1301)); /* TLS 1.3 suites are not offered by this hello */
    assert_null(tls_suite_name(0xFFFF));
}

static void names_say_what_class(void **state)
{
    (void)state;
    /* A cheap consistency check of the hand-typed tables: each class's
     * suites carry the class's token in their IANA name. */
    static const char *token[] = {"_NULL_", "EXPORT", "_RC4_", "_3DES_", "_anon_"};
    for (size_t i = 0; i < cipher_class_count(); i++) {
        const cipher_class *c = cipher_class_get(i);
        for (size_t k = 0; k < c->n; k++)
            if (!strstr(tls_suite_name(c->suites[k]), token[i]))
                fail_msg("%s: %s", c->name, tls_suite_name(c->suites[k]));
    }
}

static void multi_class_suites(void **state)
{
    (void)state;
    unsigned m = cipher_class_mask(0x0017); /* TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 */
    assert_int_equal(m, (1u << CIPHER_CLASS_EXPORT) | (1u << CIPHER_CLASS_RC4) |
                            (1u << CIPHER_CLASS_ANON));
    assert_int_equal(cipher_class_mask(0xC015),
                     (1u << CIPHER_CLASS_NULL) | (1u << CIPHER_CLASS_ANON));
    assert_int_equal(cipher_class_mask(0x001B),
                     (1u << CIPHER_CLASS_3DES) | (1u << CIPHER_CLASS_ANON));
    assert_int_equal(cipher_class_mask(0x000A), 1u << CIPHER_CLASS_3DES);
    assert_int_equal(cipher_class_mask(0xC02F), 0);
}

static void reference_suites(void **state)
{
    (void)state;
    size_t n12, n10;
    const uint16_t *r12 = cipher_reference_suites(0x0303, &n12);
    const uint16_t *r10 = cipher_reference_suites(0x0301, &n10);
    assert_true(n12 > n10 && n10 > 0);
    for (size_t i = 0; i < n12; i++) {
        assert_int_equal(cipher_class_mask(r12[i]), 0);
        assert_non_null(tls_suite_name(r12[i]));
    }
    /* Below TLS 1.2 only CBC suites with SHA-1 (no GCM, CCM, ChaCha, SHA-2). */
    for (size_t i = 0; i < n10; i++) {
        const char *name = tls_suite_name(r10[i]);
        size_t l = strlen(name);
        assert_true(l > 8 && strcmp(name + l - 8, "_CBC_SHA") == 0);
    }
    size_t n11;
    cipher_reference_suites(0x0302, &n11);
    assert_int_equal(n11, n10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes_in_audit_order),
        cmocka_unit_test(every_suite_named_sorted_unique),
        cmocka_unit_test(names_say_what_class),
        cmocka_unit_test(multi_class_suites),
        cmocka_unit_test(reference_suites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
