# Many concurrent updates over two worker processes: every acknowledged update
# is in the stream, once; with Redis killed and restarted in the middle, the
# acknowledged ones are still all there.
use lib 't/lib';
use MM::TestNginx;
use IO::Socket::INET;
use POSIX ();

# Runs $clients forked clients, each POSTing up to $each updates on one
# keep-alive connection (stopping early once $during, if given, has run);
# returns { update_id => status }.
sub blast {
    my ($clients, $each, $during, $pad) = @_;
    my $dir = servroot() . '/blast';
    my $done = "$dir.done";
    mkdir $dir;
    unlink $done;
    my @kids;
    for my $c (1 .. $clients) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            open my $out, '>', "$dir/$c" or POSIX::_exit(1);
            my $sock;
            for my $i (1 .. $each) {
                last if $during && $i % 10 == 0 && -e $done;
                my $id = $c * 100000 + $i;
                $sock ||= IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                                PeerPort => nginx_port(), Timeout => 5);
                my $status = 0;
                if ($sock) {
                    my $body = "{\"update_id\":$id,\"message\":{\"text\":\"client $c"
                             . ("x" x ($pad || 0)) . "\"}}";
                    print $sock "POST /tg/webhook HTTP/1.1\r\nHost: localhost\r\n"
                              . "X-Telegram-Bot-Api-Secret-Token: s\r\n"
                              . "Content-Length: " . length($body) . "\r\n\r\n$body";
                    my $head = '';
                    while (defined(my $line = <$sock>)) {
                        $head .= $line;
                        last if $line eq "\r\n";
                    }
                    my ($len) = $head =~ /Content-Length: (\d+)/i;
                    read($sock, my $skip, $len) if $len;
                    ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
                    $status ||= 0;
                    undef $sock if !$status || $head =~ /Connection: close/i;
                }
                print $out "$id $status\n";
            }
            close $out;
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    if ($during) {
        $during->();
        open my $f, '>', $done or die "$done: $!";
    }
    waitpid $_, 0 for @kids;
    my %status;
    for my $c (1 .. $clients) {
        open my $in, '<', "$dir/$c" or die "$dir/$c: $!";
        while (<$in>) { my ($id, $st) = split; $status{$id} = $st; }
    }
    return \%status;
}

sub stored_ids {
    my @e = redis_cli('XRANGE', 'mm:updates', '-', '+');
    my @ids;
    for my $i (0 .. $#e - 1) { push @ids, $e[$i + 1] if $e[$i] eq 'update_id' }
    return \@ids;
}

run_tests();

__DATA__

=== TEST 1: 24 clients x 150 updates over 2 workers: all acknowledged, all stored, once
--- workers: 2
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- log_level: info
--- check
my $st = main::blast(24, 150);
my @ok = grep { $st->{$_} == 200 } keys %$st;
is(scalar keys %$st, 3600, 'every request answered');
is(scalar @ok, 3600, 'every update acknowledged');
my $ids = main::stored_ids();
is(scalar @$ids, 3600, 'stream length equals acknowledged');
my %seen;
$seen{$_}++ for @$ids;
is(scalar(grep { $seen{$_} != 1 } keys %seen), 0, 'each stored once');
is(scalar(grep { !$seen{$_} } @ok), 0, 'each acknowledged one stored');
--- no_error_log
[error]
[alert]

=== TEST 2: Redis killed and restarted mid-run: no acknowledged update is lost
--- workers: 2
--- init
# Redis saves on shutdown and reloads on start, so a restart keeps the stream
redis_cli('CONFIG', 'SET', 'save', '3600 1');
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_reconnect 200ms;
--- config
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- log_level: info
--- check
my $st = main::blast(16, 100000, sub {
    select(undef, undef, undef, 0.3);
    redis_stop();
    select(undef, undef, undef, 0.5);
    redis_start();
    select(undef, undef, undef, 0.8);
});
my @ok = grep { $st->{$_} == 200 } keys %$st;
my @bad = grep { $st->{$_} != 200 && $st->{$_} != 503 && $st->{$_} != 0 } keys %$st;
is(scalar @bad, 0, 'only 200 or 503 (or a dropped connection)');
ok(scalar(grep { $st->{$_} == 503 } keys %$st) > 0, 'the outage was seen');
my %stored = map { $_ => 1 } @{ main::stored_ids() };
my @lost = grep { !$stored{$_} } @ok;
is(scalar @lost, 0, 'every acknowledged update is in the stream')
    or diag("lost: @lost[0 .. ($#lost < 9 ? $#lost : 9)]");
redis_cli('CONFIG', 'SET', 'save', '');

=== TEST 3: Redis frozen while 64 clients send 900 KB updates: the queue outgrows the socket, then all land
--- workers: 2
--- http_config
    mm_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    mm_redis_timeout 20s;
--- config
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    location = /tg/webhook { mm_webhook; mm_webhook_secret "s"; }
--- log_level: info
--- timeout: 60
--- check
my $st = main::blast(64, 1, sub {
    redis_signal('STOP');
    select(undef, undef, undef, 1.5);
    redis_signal('CONT');
}, 900 * 1024);
is(scalar(grep { $st->{$_} == 200 } keys %$st), 64, 'all acknowledged once Redis thaws');
my @e = redis_cli('XRANGE', 'mm:updates', '-', '+');
my @bodies = grep { /^\{"update_id"/ } @e;
is(scalar @bodies, 64, 'all stored');
my $pad = 'x' x (900 * 1024);
is(scalar(grep { !/^\{"update_id":\d+,"message":\{"text":"client \d+\Q$pad\E"\}\}\z/ } @bodies),
   0, 'each whole, byte for byte');
--- no_error_log
[error]
