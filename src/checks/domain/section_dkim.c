/* section_dkim.c — the DKIM section of a domain report (records.h).
 *
 * RFC 6376 §3.6.2 (key records at SELECTOR._domainkey.DOMAIN), RFC 8301
 * (RSA key sizes), RFC 8463 (ed25519). DKIM keys cannot be listed: they can
 * only be asked for by selector. Given --selector names are always reported,
 * found or not; without them a list of common selectors is tried and only
 * the keys found are reported (a name answered by a wildcard TXT that holds
 * no p= tag is not a key). The parsing and judging of each key is
 * analysis/dkim/dkimkey.c's; its problems become findings here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- analysis ---- */
#include "analysis/dkim/dkimkey.h"
/* ---- checks ---- */
#include "checks/domain/records.h"

#define NAME_MAX_TEXT 300 /* a selector name we build (the batch rejects > 253) */

int rec_dkim_plan(domain_ctx *run, int wave, size_t *planned)
{
    if (wave != 0)
        return 0;
    records_state *st = &run->rec;
    domain_dkim *dk = &run->out->dkim;
    const char *const *sel = run->o->selectors;
    size_t n = run->o->n_selectors;
    dk->defaults_used = n == 0;
    if (n == 0) {
        sel = domain_default_selectors;
        while (sel[n])
            n++;
    }
    if (n > REC_SELECTORS_MAX) {
        section_note(run, "DKIM: only the first %d of %zu selectors were looked up",
                     REC_SELECTORS_MAX, n);
        n = REC_SELECTORS_MAX;
    }
    st->q_dkim = calloc(n ? n : 1, sizeof *st->q_dkim);
    st->dkim_sel = calloc(n ? n : 1, sizeof *st->dkim_sel);
    if (!st->q_dkim || !st->dkim_sel) {
        run->oom = true;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char name[NAME_MAX_TEXT];
        snprintf(name, sizeof name, "%s._domainkey.%s", sel[i], run->o->domain);
        st->dkim_sel[i] = sel[i];
        st->q_dkim[i] = section_ask(run, name, DNS_RR_TXT, planned);
    }
    st->n_dkim = n;
    dk->n_tried = n;
    return run->oom ? -1 : 0;
}

static bool any_txt(const char *s, size_t n)
{
    (void)s, (void)n;
    return true;
}

static bool has_problem(const dkimkey_record *k, const char *code)
{
    for (size_t i = 0; i < k->nproblems; i++)
        if (strcmp(k->problems[i].code, code) == 0)
            return true;
    return false;
}

/* Fill one key from its answer. Returns false when a default selector found
 * nothing worth reporting (the entry is then left out). */
static bool fill_key(domain_ctx *run, domain_dkim_key *k, const char *sel, const dns_answer *a,
                     bool given)
{
    char name[NAME_MAX_TEXT];
    snprintf(name, sizeof name, "%s._domainkey.%s", sel, run->o->domain);
    k->status = a ? a->status : DNS_ERROR;
    k->dnssec = a ? a->dnssec : DNSSEC_UNCHECKED;
    char *text = NULL;
    size_t len = 0;
    /* several TXT records at one selector: verifiers use the first (§3.6.2.2) */
    if (rec_txt_pick(run, a, any_txt, &text, &len) > 0) {
        err e;
        err_clear(&e);
        if (dkimkey_parse(text, len, &k->key, &e) < 0)
            run->oom = true;
        else if (!given && has_problem(k->key, "dkim.p_missing")) {
            dkimkey_record_free(k->key);
            k->key = NULL;
        } else if (!(k->record = section_escape(run, text, len))) {
            run->oom = true;
        }
    }
    free(text);
    if (!given && !k->key)
        return false;
    k->selector = xstrdup(sel);
    k->name = xstrdup(name);
    if (!k->selector || !k->name)
        run->oom = true;
    return true;
}

static bool status_failed(dns_status s)
{
    return s != DNS_OK && s != DNS_NXDOMAIN && s != DNS_NODATA;
}

/* "selector1 rsa-2048", "s2 ed25519", "old revoked", "x invalid". */
static void describe(const domain_dkim_key *k, char *out, size_t outsz)
{
    const dkimkey_record *r = k->key;
    if (!r)
        snprintf(out, outsz, "%s %s", k->selector,
                 status_failed(k->status) ? "lookup failed" : "missing");
    else if (r->revoked)
        snprintf(out, outsz, "%s revoked", k->selector);
    else if (r->key_type == DKIMKEY_TYPE_ED25519)
        snprintf(out, outsz, "%s ed25519", k->selector);
    else if (r->key_type == DKIMKEY_TYPE_RSA)
        snprintf(out, outsz, "%s rsa-%u", k->selector, r->key_bits);
    else
        snprintf(out, outsz, "%s invalid", k->selector);
}

void rec_dkim_finish(domain_ctx *run)
{
    records_state *st = &run->rec;
    domain_dkim *dk = &run->out->dkim;
    bool given = !dk->defaults_used;
    char failed[256] = "";
    size_t n_failed = 0, used = 0;

    dk->keys = calloc(st->n_dkim ? st->n_dkim : 1, sizeof *dk->keys);
    if (!dk->keys) {
        run->oom = true;
        return;
    }
    for (size_t i = 0; i < st->n_dkim && !run->oom; i++) {
        const dns_answer *a = rec_answer(run, st->q_dkim[i]);
        const char *sel = st->dkim_sel[i];
        if (rec_failed(a)) {
            if (given) {
                char what[NAME_MAX_TEXT + 32];
                snprintf(what, sizeof what, "the key lookup of selector %s", sel);
                rec_lookup_failed(run, DSEC_DKIM, a, what);
            } else if (used < sizeof failed) {
                int w = snprintf(failed + used, sizeof failed - used, "%s%s", n_failed ? ", " : "",
                                 sel);
                used += w > 0 ? (size_t)w : 0;
            }
            n_failed += !given;
        }
        domain_dkim_key *k = &dk->keys[dk->n_keys];
        if (fill_key(run, k, sel, a, given))
            dk->n_keys++;
    }
    /* a warning only: nobody asked for these selectors, and a key behind
     * one that failed may still exist */
    if (n_failed)
        rec_finding(run, DSEC_DKIM, "dkim.lookup_failed", SEV_WARNING, false, NULL,
                    "%zu of the %zu common selectors could not be looked up: %s", n_failed,
                    dk->n_tried, failed);

    char summary[512] = "";
    size_t slen = 0;
    size_t n_found = 0;
    for (size_t i = 0; i < dk->n_keys && !run->oom; i++) {
        domain_dkim_key *k = &dk->keys[i];
        if (k->key) {
            n_found++;
            rec_problems(run, DSEC_DKIM, k->key->problems, k->key->nproblems, k->name);
        } else if (!status_failed(k->status)) {
            section_finding(run, DSEC_DKIM, "dkim.key_missing", NULL,
                            "no DKIM key at %s (%s)", k->name, dns_status_name(k->status));
        }
        char one[96];
        describe(k, one, sizeof one);
        if (slen < sizeof summary) {
            int w = snprintf(summary + slen, sizeof summary - slen, "%s%s", i ? ", " : "", one);
            slen += w > 0 ? (size_t)w : 0;
        }
    }
    if (dk->defaults_used && n_found == 0) {
        section_finding(run, DSEC_DKIM, "dkim.none_found", NULL,
                        "no DKIM key at any of %zu common selectors of %s", dk->n_tried,
                        run->o->domain);
        section_set(run, DSEC_DKIM, SS_PASS, "no key at %zu common selectors", dk->n_tried);
        return;
    }
    if (given)
        section_set(run, DSEC_DKIM, SS_PASS, "%zu of %zu selectors with a key: %s", n_found,
                    dk->n_tried, summary);
    else
        section_set(run, DSEC_DKIM, SS_PASS, "%zu key%s: %s", n_found, n_found == 1 ? "" : "s",
                    summary);
}
