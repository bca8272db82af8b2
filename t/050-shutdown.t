# A graceful stop or reload of nginx answers the updates already waiting on
# Redis before the worker process exits: they are stored and acknowledged.
use lib 't/lib';
use MM::TestNginx;
use IO::Socket::INET;

sub post_later {
    my ($id) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => nginx_port())
        or die "connect: $!";
    my $body = "{\"update_id\":$id}";
    print $s "POST /tg/webhook HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
           . "X-Telegram-Bot-Api-Secret-Token: s\r\nContent-Length: "
           . length($body) . "\r\n\r\n$body";
    return $s;
}

# Pauses Redis writes, sends an update, signals nginx while the XADD
# waits, and returns the raw response once Redis resumes.
sub ack_across_signal {
    my ($signal, $id) = @_;
    redis_cli('CLIENT', 'PAUSE', '800', 'WRITE');
    my $s = post_later($id);
    select(undef, undef, undef, 0.2);
    kill $signal, nginx_pid();
    local $/;
    my $resp = <$s>;
    close $s;
    return $resp;
}

sub nginx_pid {
    open my $f, '<', servroot() . '/logs/nginx.pid' or die "pid: $!";
    my $pid = <$f>;
    chomp $pid;
    return $pid;
}

run_tests();

__DATA__

=== TEST 1: QUIT while an XADD waits: the update is still stored and acknowledged
--- workers: 1
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_timeout 5s;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- check
my $resp = main::ack_across_signal('QUIT', 501);
like($resp, qr{^HTTP/1\.1 200 }, 'acknowledged after the pause');
is(redis_cli('XLEN', 'mm:updates'), 1, 'stored');
--- no_error_log
[alert]
open socket

=== TEST 2: HUP (reload) while an XADD waits: the old worker finishes it
--- workers: 1
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_timeout 5s;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
    location = /metrics { mm_metrics; }
--- check
my $resp = main::ack_across_signal('HUP', 502);
like($resp, qr{^HTTP/1\.1 200 }, 'acknowledged by the old worker');
select(undef, undef, undef, 0.5);
my $r = http_request(method => 'POST', uri => '/tg/webhook',
                     headers => ['X-Telegram-Bot-Api-Secret-Token: s'],
                     body => '{"update_id":503}');
is($r->{status}, 200, 'the new worker stores too');
is(redis_cli('XLEN', 'mm:updates'), 2, 'both stored');
metrics_like(qr/^mm_webhook_responses_total\{code="200"\} 2$/m, 'counters survive the reload');
--- no_error_log
[alert]
