
/*
 * The worker process's Redis connection.
 *
 * One hiredis async context per worker process, its socket wrapped in an
 * ngx_connection_t so nginx's event loop drives it.  Every command of the
 * process goes through it, so concurrent requests pipeline: the commands of
 * one event loop iteration leave in one write (from an event posted to the
 * end of the iteration), their replies come back in one read.
 *
 *   DISCONNECTED --connect--> CONNECTING --AUTH/SELECT/PING ok--> READY
 *        ^                        |                                  |
 *        +---- backoff timer <----+------- error, timeout, EOF ------+
 *
 * hiredis owns the socket: it closes the fd in redisFree(); our cleanup hook
 * only removes the events and gives the ngx_connection_t back.  hiredis 0.14
 * has no timers, so the connect timeout and the command timeouts are nginx
 * timers; background timers are cancelable so they never hold up a graceful
 * shutdown.
 */


#include "ngx_mm_redis.h"
#include "ngx_mm_metrics.h"


typedef enum {
    NGX_MM_REDIS_DISCONNECTED = 0,
    NGX_MM_REDIS_CONNECTING,
    NGX_MM_REDIS_READY
} ngx_mm_redis_state_e;


typedef struct {
    ngx_mm_main_conf_t       *conf;
    ngx_log_t                *log;
    redisAsyncContext        *ac;
    ngx_mm_redis_state_e      state;

    ngx_event_t               connect_timer;
    ngx_event_t               reconnect_timer;
    ngx_event_t               flush;            /* posted: write the queue */
    ngx_msec_t                backoff;

    /* the current outage, logged when it starts, changes kind and ends */
    ngx_uint_t                failing;
    ngx_uint_t                failures;
    ngx_msec_t                failing_since;
    ngx_mm_redis_failure_e    failure;        /* the latest kind */

    unsigned                  exiting:1;
    unsigned                  writing:1;
} ngx_mm_redis_t;


static void ngx_mm_redis_connect(ngx_mm_redis_t *rd);
static void ngx_mm_redis_on_connect(const redisAsyncContext *ac, int status);
static void ngx_mm_redis_on_handshake(redisAsyncContext *ac, void *reply,
    void *privdata);
static void ngx_mm_redis_on_ready(redisAsyncContext *ac, void *reply,
    void *privdata);
static void ngx_mm_redis_on_disconnect(const redisAsyncContext *ac,
    int status);
static void ngx_mm_redis_drop(ngx_mm_redis_t *rd);
static void ngx_mm_redis_schedule(ngx_mm_redis_t *rd);
static void ngx_mm_redis_connect_timeout(ngx_event_t *ev);
static void ngx_mm_redis_reconnect(ngx_event_t *ev);

static ngx_int_t ngx_mm_redis_attach(redisAsyncContext *ac, ngx_log_t *log);
static void ngx_mm_redis_add_read(void *privdata);
static void ngx_mm_redis_del_read(void *privdata);
static void ngx_mm_redis_add_write(void *privdata);
static void ngx_mm_redis_del_write(void *privdata);
static void ngx_mm_redis_cleanup(void *privdata);
static void ngx_mm_redis_read_handler(ngx_event_t *ev);
static void ngx_mm_redis_write_handler(ngx_event_t *ev);
static void ngx_mm_redis_flush(ngx_event_t *ev);


#define NGX_MM_REDIS_BACKOFF_MIN  100


static ngx_mm_redis_t  ngx_mm_redis;


ngx_int_t
ngx_mm_redis_init_process(ngx_cycle_t *cycle, ngx_mm_main_conf_t *mmcf)
{
    ngx_mm_redis_t  *rd = &ngx_mm_redis;

    ngx_memzero(rd, sizeof(ngx_mm_redis_t));

    rd->conf = mmcf;
    rd->log = cycle->log;
    rd->backoff = NGX_MM_REDIS_BACKOFF_MIN;

    rd->connect_timer.handler = ngx_mm_redis_connect_timeout;
    rd->connect_timer.data = rd;
    rd->connect_timer.log = cycle->log;
    rd->connect_timer.cancelable = 1;

    rd->reconnect_timer.handler = ngx_mm_redis_reconnect;
    rd->reconnect_timer.data = rd;
    rd->reconnect_timer.log = cycle->log;
    rd->reconnect_timer.cancelable = 1;

    rd->flush.handler = ngx_mm_redis_flush;
    rd->flush.data = rd;
    rd->flush.log = cycle->log;

    ngx_mm_redis_connect(rd);

    return NGX_OK;
}


void
ngx_mm_redis_exit_process(void)
{
    ngx_mm_redis_t  *rd = &ngx_mm_redis;

    rd->exiting = 1;

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    if (rd->reconnect_timer.timer_set) {
        ngx_del_timer(&rd->reconnect_timer);
    }

    if (rd->ac) {
        ngx_mm_redis_drop(rd);
    }
}


ngx_uint_t
ngx_mm_redis_ready(void)
{
    return ngx_mm_redis.state == NGX_MM_REDIS_READY;
}


const char *
ngx_mm_redis_status(void)
{
    ngx_mm_redis_t  *rd = &ngx_mm_redis;

    if (rd->state == NGX_MM_REDIS_READY) {
        return "up";
    }

    if (rd->failing) {
        return ngx_mm_redis_failure_text(rd->failure);
    }

    return rd->state == NGX_MM_REDIS_CONNECTING ? "connecting" : "down";
}


const char *
ngx_mm_redis_failure_text(ngx_mm_redis_failure_e failure)
{
    static const char  *text[] = { "down", "timeout", "error" };

    return text[failure];
}


ngx_int_t
ngx_mm_redis_command(redisCallbackFn *fn, void *privdata, int argc,
    const char **argv, const size_t *argvlen)
{
    ngx_mm_redis_t  *rd = &ngx_mm_redis;

    if (rd->state != NGX_MM_REDIS_READY) {
        return NGX_DECLINED;
    }

    if (redisAsyncCommandArgv(rd->ac, fn, privdata, argc, argv, argvlen)
        != REDIS_OK)
    {
        ngx_mm_redis_failed(NGX_MM_REDIS_DOWN, "command not sent",
                            rd->ac->errstr);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * An outage starts with the first failure and ends with the next success;
 * each end is logged once, however many requests fail in between, and so
 * is each change of its kind (say, refused while down, then WRONGPASS when
 * Redis is back with another password), so the detail behind every word
 * /healthz showed is in the log.
 */

void
ngx_mm_redis_failed(ngx_mm_redis_failure_e failure, const char *what,
    const char *detail)
{
    ngx_mm_redis_t  *rd = &ngx_mm_redis;

    rd->failures++;

    if ((rd->failing && rd->failure == failure)
        || rd->exiting || ngx_exiting || ngx_quit)
    {
        return;
    }

    if (!rd->failing) {
        rd->failing = 1;
        rd->failing_since = ngx_current_msec;
    }

    rd->failure = failure;

    ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                  "mm: redis \"%V\" failed: %s: %s, answering 503 until it "
                  "recovers", &rd->conf->addr, what,
                  detail ? detail : "unknown error");
}


void
ngx_mm_redis_succeeded(void)
{
    ngx_mm_redis_t  *rd = &ngx_mm_redis;

    if (!rd->failing) {
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, rd->log, 0,
                  "mm: redis \"%V\" recovered after %M ms, %ui failures",
                  &rd->conf->addr, ngx_current_msec - rd->failing_since,
                  rd->failures);

    rd->failing = 0;
    rd->failures = 0;
}


void
ngx_mm_redis_timed_out(ngx_msec_t timeout)
{
    u_char           detail[64];
    ngx_mm_redis_t  *rd = &ngx_mm_redis;

    ngx_snprintf(detail, sizeof(detail), "no reply within %M ms%Z", timeout);
    ngx_mm_redis_failed(NGX_MM_REDIS_TIMEOUT, "command timed out",
                        (char *) detail);

    /* replies come in order: the ones queued behind it are just as late */
    if (rd->ac) {
        ngx_mm_redis_drop(rd);
        ngx_mm_redis_schedule(rd);
    }
}


static void
ngx_mm_redis_connect(ngx_mm_redis_t *rd)
{
    ngx_mm_main_conf_t  *mmcf = rd->conf;
    redisAsyncContext   *ac;

    if (mmcf->port) {
        ac = redisAsyncConnect((char *) mmcf->host.data, mmcf->port);

    } else {
        ac = redisAsyncConnectUnix((char *) mmcf->host.data);
    }

    if (ac == NULL) {
        ngx_mm_redis_failed(NGX_MM_REDIS_DOWN, "connect failed",
                            "out of memory");
        ngx_mm_redis_schedule(rd);
        return;
    }

    if (ac->err) {
        ngx_mm_metrics_add(NGX_MM_STAT_REDIS_CONNECT_ERRORS, 1);
        ngx_mm_redis_failed(NGX_MM_REDIS_DOWN, "connect failed", ac->errstr);
        redisAsyncFree(ac);
        ngx_mm_redis_schedule(rd);
        return;
    }

    if (ngx_mm_redis_attach(ac, rd->log) != NGX_OK) {
        ngx_mm_redis_failed(NGX_MM_REDIS_DOWN, "connect failed",
                            "no free nginx connection");
        redisAsyncFree(ac);
        ngx_mm_redis_schedule(rd);
        return;
    }

    (void) redisEnableKeepAlive(&ac->c);

    ac->data = rd;
    rd->ac = ac;
    rd->state = NGX_MM_REDIS_CONNECTING;

    /* after attaching: setting the callback already adds a write event */
    redisAsyncSetConnectCallback(ac, ngx_mm_redis_on_connect);
    redisAsyncSetDisconnectCallback(ac, ngx_mm_redis_on_disconnect);

    ngx_add_timer(&rd->connect_timer, mmcf->connect_timeout);
}


static void
ngx_mm_redis_on_connect(const redisAsyncContext *cac, int status)
{
    redisAsyncContext   *ac = (redisAsyncContext *) cac;
    ngx_mm_redis_t      *rd = ac->data;
    ngx_mm_main_conf_t  *mmcf = rd->conf;

    u_char  db[NGX_INT_T_LEN + 1];

    if (status != REDIS_OK) {
        /* hiredis frees the context when this returns */
        rd->ac = NULL;
        rd->state = NGX_MM_REDIS_DISCONNECTED;

        if (rd->connect_timer.timer_set) {
            ngx_del_timer(&rd->connect_timer);
        }

        ngx_mm_metrics_add(NGX_MM_STAT_REDIS_CONNECT_ERRORS, 1);
        ngx_mm_redis_failed(NGX_MM_REDIS_DOWN, "connect failed", ac->errstr);
        ngx_mm_redis_schedule(rd);
        return;
    }

    /* the handshake is pipelined; only the PING's reply makes us ready */

    if (mmcf->password.len) {
        redisAsyncCommand(ac, ngx_mm_redis_on_handshake, "AUTH", "AUTH %b",
                          mmcf->password.data, mmcf->password.len);
    }

    if (mmcf->db >= 0) {
        *ngx_sprintf(db, "%i", mmcf->db) = '\0';
        redisAsyncCommand(ac, ngx_mm_redis_on_handshake, "SELECT",
                          "SELECT %s", db);
    }

    redisAsyncCommand(ac, ngx_mm_redis_on_ready, NULL, "PING");
}


static void
ngx_mm_redis_on_handshake(redisAsyncContext *ac, void *reply, void *privdata)
{
    redisReply      *rr = reply;
    ngx_mm_redis_t  *rd = ac->data;

    if (rr == NULL || rr->type != REDIS_REPLY_ERROR || rd->ac != ac) {
        return;
    }

    ngx_mm_metrics_add(NGX_MM_STAT_REDIS_CONNECT_ERRORS, 1);
    ngx_mm_redis_failed(NGX_MM_REDIS_ERROR, privdata, rr->str);

    ngx_mm_redis_drop(rd);
    ngx_mm_redis_schedule(rd);
}


static void
ngx_mm_redis_on_ready(redisAsyncContext *ac, void *reply, void *privdata)
{
    redisReply      *rr = reply;
    ngx_mm_redis_t  *rd = ac->data;

    if (rr == NULL || rd->ac != ac) {
        return;
    }

    if (rr->type == REDIS_REPLY_ERROR) {
        ngx_mm_metrics_add(NGX_MM_STAT_REDIS_CONNECT_ERRORS, 1);
        ngx_mm_redis_failed(NGX_MM_REDIS_ERROR, "PING failed", rr->str);
        ngx_mm_redis_drop(rd);
        ngx_mm_redis_schedule(rd);
        return;
    }

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    rd->state = NGX_MM_REDIS_READY;
    rd->backoff = NGX_MM_REDIS_BACKOFF_MIN;

    ngx_mm_metrics_add(NGX_MM_STAT_REDIS_CONNECTS, 1);
    ngx_mm_metrics_gauge(NGX_MM_GAUGE_CONNECTED, 1);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "mm: redis \"%V\" ready", &rd->conf->addr);

    ngx_mm_redis_succeeded();
}


/* the peer closed, or a read or write failed; not called after our drop */

static void
ngx_mm_redis_on_disconnect(const redisAsyncContext *ac, int status)
{
    ngx_mm_redis_t  *rd = ac->data;

    if (rd->ac != ac) {
        return;
    }

    if (rd->state == NGX_MM_REDIS_READY) {
        ngx_mm_metrics_gauge(NGX_MM_GAUGE_CONNECTED, -1);
    }

    rd->ac = NULL;
    rd->state = NGX_MM_REDIS_DISCONNECTED;

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    ngx_mm_metrics_add(NGX_MM_STAT_REDIS_DISCONNECTS, 1);
    ngx_mm_redis_failed(NGX_MM_REDIS_DOWN, "connection lost",
                        ac->err ? ac->errstr : "closed by the server");
    ngx_mm_redis_schedule(rd);
}


/*
 * Closes the connection on our initiative.  Pending commands get their
 * callbacks with a NULL reply (at once, or when the hiredis callback we are
 * in returns); on_disconnect is unhooked so nothing runs twice.
 */

static void
ngx_mm_redis_drop(ngx_mm_redis_t *rd)
{
    redisAsyncContext  *ac = rd->ac;

    if (rd->state == NGX_MM_REDIS_READY) {
        ngx_mm_metrics_gauge(NGX_MM_GAUGE_CONNECTED, -1);
        ngx_mm_metrics_add(NGX_MM_STAT_REDIS_DISCONNECTS, 1);
    }

    rd->ac = NULL;
    rd->state = NGX_MM_REDIS_DISCONNECTED;

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    ac->onDisconnect = NULL;
    redisAsyncFree(ac);
}


static void
ngx_mm_redis_schedule(ngx_mm_redis_t *rd)
{
    ngx_msec_t  delay;

    if (rd->exiting || ngx_exiting || ngx_quit || ngx_terminate
        || rd->reconnect_timer.timer_set)
    {
        return;
    }

    /* up to a quarter more, so the workers do not reconnect in step */
    delay = rd->backoff + (ngx_msec_t) ngx_random() % (rd->backoff / 4 + 1);

    ngx_add_timer(&rd->reconnect_timer, delay);

    rd->backoff *= 2;
    if (rd->backoff > rd->conf->reconnect_max) {
        rd->backoff = ngx_max(rd->conf->reconnect_max,
                              NGX_MM_REDIS_BACKOFF_MIN);
    }
}


static void
ngx_mm_redis_connect_timeout(ngx_event_t *ev)
{
    u_char           detail[64];
    ngx_mm_redis_t  *rd = ev->data;

    if (rd->ac == NULL || rd->state == NGX_MM_REDIS_READY) {
        return;
    }

    ngx_snprintf(detail, sizeof(detail), "not ready within %M ms%Z",
                 rd->conf->connect_timeout);

    ngx_mm_metrics_add(NGX_MM_STAT_REDIS_CONNECT_ERRORS, 1);
    ngx_mm_redis_failed(NGX_MM_REDIS_TIMEOUT, "connect timed out",
                        (char *) detail);
    ngx_mm_redis_drop(rd);
    ngx_mm_redis_schedule(rd);
}


static void
ngx_mm_redis_reconnect(ngx_event_t *ev)
{
    ngx_mm_redis_t  *rd = ev->data;

    if (rd->exiting || ngx_exiting || ngx_quit || rd->ac) {
        return;
    }

    ngx_mm_redis_connect(rd);
}


/* ---- the hiredis event hooks on an ngx_connection_t ---- */


static ngx_int_t
ngx_mm_redis_attach(redisAsyncContext *ac, ngx_log_t *log)
{
    ngx_connection_t  *c;

    c = ngx_get_connection(ac->c.fd, log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->data = ac;
    c->read->handler = ngx_mm_redis_read_handler;
    c->write->handler = ngx_mm_redis_write_handler;
    c->read->log = log;
    c->write->log = log;
    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);

    ac->ev.data = c;
    ac->ev.addRead = ngx_mm_redis_add_read;
    ac->ev.delRead = ngx_mm_redis_del_read;
    ac->ev.addWrite = ngx_mm_redis_add_write;
    ac->ev.delWrite = ngx_mm_redis_del_write;
    ac->ev.cleanup = ngx_mm_redis_cleanup;

    return NGX_OK;
}


/*
 * Level-triggered on purpose: hiredis reads at most 16 KiB per call, so with
 * edge-triggered epoll the rest of a large burst of replies would wait for
 * the next packet.  hiredis calls these hooks repeatedly; they must be
 * idempotent.
 */

static void
ngx_mm_redis_add_read(void *privdata)
{
    ngx_connection_t  *c = privdata;

    if (!c->read->active) {
        (void) ngx_add_event(c->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_mm_redis_del_read(void *privdata)
{
    ngx_connection_t  *c = privdata;

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }
}


/*
 * hiredis asks for a write event whenever it queues a command.  A connected
 * socket is almost always writable, so instead of a round through epoll the
 * queue is written by an event posted to the end of this loop iteration,
 * after every request of the iteration has queued its command.  Only a full
 * socket, or one still connecting, waits for epoll.
 */

static void
ngx_mm_redis_add_write(void *privdata)
{
    ngx_connection_t   *c = privdata;
    redisAsyncContext  *ac = c->data;

    if ((ac->c.flags & REDIS_CONNECTED) && !ngx_mm_redis.writing) {
        if (!ngx_mm_redis.flush.posted) {
            ngx_post_event(&ngx_mm_redis.flush, &ngx_posted_events);
        }

        return;
    }

    if (!c->write->active) {
        ngx_log_debug0(NGX_LOG_DEBUG_EVENT, c->log, 0,
                       "mm: redis write waits for the socket");

        (void) ngx_add_event(c->write, NGX_WRITE_EVENT, 0);
    }
}


static void
ngx_mm_redis_del_write(void *privdata)
{
    ngx_connection_t  *c = privdata;

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }
}


/* may run more than once; hiredis closes the fd itself afterwards */

static void
ngx_mm_redis_cleanup(void *privdata)
{
    ngx_connection_t   *c = privdata;
    redisAsyncContext  *ac;

    if (c == NULL) {
        return;
    }

    ac = c->data;

    ngx_mm_redis_del_read(c);
    ngx_mm_redis_del_write(c);

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    if (ngx_mm_redis.flush.posted) {
        ngx_delete_posted_event(&ngx_mm_redis.flush);
    }

    ngx_free_connection(c);

    /* events still queued for this fd in this loop iteration are stale */
    c->fd = (ngx_socket_t) -1;

    ac->ev.data = NULL;
}


static void
ngx_mm_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t   *c = ev->data;
    redisAsyncContext  *ac = c->data;

    /* worker_shutdown_timeout closes every connection this way */
    if (c->close) {
        if (ngx_mm_redis.ac == ac) {
            ngx_mm_redis_drop(&ngx_mm_redis);
        }

        return;
    }

    redisAsyncHandleRead(ac);
}


static void
ngx_mm_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c = ev->data;

    ngx_mm_redis.writing = 1;
    redisAsyncHandleWrite(c->data);
    ngx_mm_redis.writing = 0;
}


static void
ngx_mm_redis_flush(ngx_event_t *ev)
{
    ngx_mm_redis_t  *rd = ev->data;

    if (rd->ac == NULL) {
        return;
    }

    rd->writing = 1;
    redisAsyncHandleWrite(rd->ac);
    rd->writing = 0;
}
