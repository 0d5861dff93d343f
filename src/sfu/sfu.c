/* Media plane lifecycle. (The worker and forwarding arrive with issue 3.) */
#include "sfu/sfu.h"

int rs_sfu_start(struct rs_app *app, struct rs_http *http, char *err, size_t errlen)
{
    app->media = NULL;
    return 0;
}

void rs_sfu_stop(struct rs_app *app)
{
}
