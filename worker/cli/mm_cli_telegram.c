/*
 * mm-worker set-webhook | delete-webhook [--drop-pending] | webhook-info:
 * the webhook as Telegram knows it (setWebhook with the update kinds the
 * bot handles and the secret token nginx checks).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/mm_cli.h"
#include "mm_stream.h"
#include "telegram/mm_tg.h"

/* setWebhook's parameters, or NULL when WEBHOOK_URL is missing (said). */
static json_t *mm_cli_set_webhook(mm_cli *c) {
    const mm_config *cfg = &c->ctx->cfg;
    json_t *params;

    if (cfg->webhook_url == NULL) {
        mm_cli_say(c, "WEBHOOK_URL is not set (the public HTTPS URL of nginx's mm_webhook "
                      "location)");
        return NULL;
    }
    if (cfg->webhook_secret == NULL)
        mm_cli_say(c, "warning: WEBHOOK_SECRET is not set: anyone who learns the URL can "
                      "post updates");
    params = json_pack("{s:s, s:o, s:i}", "url", cfg->webhook_url, "allowed_updates",
                       json_loads(MM_ALLOWED_UPDATES_JSON, 0, NULL), "max_connections",
                       cfg->webhook_max_connections);
    if (cfg->webhook_secret)
        json_object_set_new(params, "secret_token", json_string(cfg->webhook_secret));
    return params;
}

int mm_cli_webhook(mm_cli *c, int argc, char **argv) {
    const char *method;
    mm_tg_result res;
    json_t *params;
    mm_tg tg;
    char *out;
    int rc;

    if (!strcmp(c->name, "set-webhook") && argc == 0) {
        if ((params = mm_cli_set_webhook(c)) == NULL)
            return MM_EXIT_USAGE;
        method = "setWebhook";
    } else if (!strcmp(c->name, "delete-webhook")
               && (argc == 0 || (argc == 1 && !strcmp(argv[0], "--drop-pending")))) {
        params = json_pack("{s:b}", "drop_pending_updates", argc == 1);
        method = "deleteWebhook";
    } else if (!strcmp(c->name, "webhook-info") && argc == 0) {
        params = json_object();
        method = "getWebhookInfo";
    } else {
        mm_cli_say(c, "takes no arguments but --drop-pending (delete-webhook)");
        return MM_EXIT_USAGE;
    }
    if (mm_tg_init(&tg, c->ctx)) {
        json_decref(params);
        return MM_EXIT_FAIL;
    }
    rc = mm_tg_call_retry(&tg, method, params, 15000, 4, &res);
    json_decref(params);
    if (rc) {
        mm_cli_say(c, "%s failed: %s", method, res.description);
    } else {
        out = json_dumps(res.result, JSON_COMPACT | JSON_ENCODE_ANY);
        printf("%s\n", out ? out : "true");
        free(out);
    }
    rc = rc == 0 ? MM_EXIT_OK : res.error_code > 0 ? MM_EXIT_FAIL : MM_EXIT_DOWN;
    mm_tg_result_free(&res);
    mm_tg_free(&tg);
    return rc;
}
