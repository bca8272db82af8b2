package MM::Stack;

# The whole bot for an end-to-end test: private PostgreSQL and Redis
# (MM::Stores), nginx with ngx_mm_module on a free port, the local Bot API
# emulator (worker/tests/botapi/botapi.mjs), and mm-worker processes.
# Everything is stopped when the test file ends.
#
#   my $s = MM::Stack->new(name => 'e2e', webhook => 1);   # redis_aof => 'always' optional
#   $s->start_worker;                    # worker 0
#   $s->user_message({id => 7, first_name => 'Ann'}, '/start');
#   my @calls = $s->wait_calls(chat_id => 7, method => 'sendMessage', count => 1);

use strict;
use warnings;
use Cwd ();
use File::Path qw(make_path remove_tree);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Test::More ();
use Time::HiRes qw(sleep time);
use MM::Redis;
use MM::Stores;

our $Token = '7000000001:TESTtoken_abcdefghijklmnopqrstuvwxyz';
our $Secret = 'e2e-secret_123';
my $Json = JSON::PP->new->utf8->canonical;
my $Http = HTTP::Tiny->new(timeout => 60, keep_alive => 1);
my @Stacks;

sub new {
    my ($class, %args) = @_;
    my $root = Cwd::abs_path('.');
    my $self = bless { name => $args{name}, webhook => $args{webhook}, root => $root,
                       dir => "$root/t/servroot-$args{name}", workers => {},
                       env => $args{env} || {}, owner => $$ }, $class;
    remove_tree($self->{dir});
    make_path("$self->{dir}/logs");
    ($self->{pg}, $self->{redis}) = MM::Stores::start($args{name}, aof => $args{redis_aof});
    $self->start_botapi unless defined $args{botapi} && !$args{botapi};
    $self->start_nginx if $args{webhook};
    push @Stacks, $self;
    return $self;
}

sub pg    { $_[0]{pg} }
sub redis { $_[0]{redis} }
sub dir   { $_[0]{dir} }

sub _spawn {
    my ($self, $log, $env, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setpgid(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log or die;
        open STDERR, '>&', \*STDOUT;
        $ENV{$_} = $env->{$_} for keys %$env;
        { exec @cmd };
        POSIX::_exit(127);
    }
    return $pid;
}

sub _wait_port {
    my ($port, $what) = @_;
    for (1 .. 200) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port);
        return 1 if $s;
        sleep 0.05;
    }
    die "$what did not listen on $port\n";
}

sub start_botapi {
    my ($self) = @_;
    $self->{api_port} = MM::Redis::free_port();
    $self->{api_pid} = $self->_spawn("$self->{dir}/logs/botapi.log", {}, 'node',
        "$self->{root}/worker/tests/botapi/botapi.mjs", '--port', $self->{api_port},
        '--token', $Token, '--bot-username', 'mm_test_bot');
    _wait_port($self->{api_port}, 'the Bot API emulator');
}

# without the emulator the Bot API is a closed port: replies keep failing
sub api_url { "http://127.0.0.1:" . ($_[0]{api_port} || 1) }

sub start_nginx {
    my ($self) = @_;
    my $p = "$self->{dir}/nginx";
    make_path("$p/logs", "$p/tmp");
    $self->{edge_port} = MM::Redis::free_port();
    my $module = $ENV{TEST_NGINX_LOAD_MODULES} || "$self->{root}/build/ngx_mm_module.so";
    my $port = $self->{redis}->port;
    open my $fh, '>', "$p/nginx.conf" or die;
    print $fh <<"EOT";
load_module $module;
worker_processes 2;
daemon off;
error_log $p/logs/error.log info;
pid $p/logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $p/tmp;
    mm_redis 127.0.0.1:$port;
    server {
        listen 127.0.0.1:$self->{edge_port};
        location = /tg/webhook {
            mm_webhook;
            mm_webhook_secret "$Secret";
        }
        location = /healthz { mm_health; }
        location = /metrics { mm_metrics; }
    }
}
EOT
    close $fh;
    $self->{nginx_pid} = $self->_spawn("$p/logs/stderr.log", {}, '/usr/sbin/nginx', '-p', "$p/",
                                       '-c', "$p/nginx.conf", '-e', "$p/logs/error.log");
    _wait_port($self->{edge_port}, 'nginx');
}

sub webhook_url { "http://127.0.0.1:$_[0]{edge_port}/tg/webhook" }

# `mm-worker set-webhook`, as an operator runs it: the emulator delivers
# to nginx from then on; its output, and the exit code in $?
sub set_webhook {
    my ($self) = @_;
    my %env = (DATABASE_URL => 'unused', TELEGRAM_TOKEN => $Token, TELEGRAM_API_BASE => $self->api_url,
               WEBHOOK_URL => $self->webhook_url, WEBHOOK_SECRET => $Secret);
    my $env = join ' ', map { "$_=$env{$_}" } sort keys %env;
    return scalar `env $env @{[$self->worker_bin]} set-webhook 2>&1`;
}

sub worker_env {
    my ($self) = @_;
    return { DATABASE_URL => $self->{pg}->url, REDIS_PORT => $self->{redis}->port,
             TELEGRAM_TOKEN => $Token, TELEGRAM_API_BASE => $self->api_url,
             BOT_USERNAME => $self->{api_port} ? '' : 'mm_test_bot', WEBHOOK_URL => $self->{webhook} ? $self->webhook_url : '',
             WEBHOOK_SECRET => $Secret, LOG_LEVEL => 'info', MM_REPORT_INTERVAL => 3600,
             TELEGRAM_RATE_GLOBAL => 0, TELEGRAM_RATE_CHAT => 0, TELEGRAM_RATE_GROUP => 0,
             MM_POLL_TIMEOUT => 2, MM_OUTBOX_LEASE_MS => 4000, MM_LEASE_MS => 3000,
             %{ $self->{env} } };
}

sub worker_bin { $ENV{MM_WORKER_BIN} || "$_[0]{root}/build/mm-worker" }

# mm-worker with the workers' settings and @args: (exit code, stdout, stderr)
sub cli {
    my ($self, @args) = @_;
    my ($out, $err) = ("$self->{dir}/cli.out", "$self->{dir}/cli.err");
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $env = $self->worker_env;
        $ENV{$_} = $env->{$_} for keys %$env;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or die;
        open STDERR, '>', $err or die;
        exec $self->worker_bin, @args or die "exec: $!";
    }
    waitpid $pid, 0;
    my $code = $? >> 8;
    return ($code, map { local (@ARGV, $/) = $_; scalar(<>) // '' } $out, $err);
}

# starts worker $i (default 0); returns its pid once it logged "started"
sub start_worker {
    my ($self, $i, %env) = @_;
    $i //= 0;
    my $log = "$self->{dir}/logs/worker$i.log";
    my $from = -s $log || 0;
    my $pid = $self->_spawn($log, { %{ $self->worker_env }, %env }, $self->worker_bin, 'run');
    $self->{workers}{$i} = $pid;
    for (1 .. 300) {
        return $pid if $self->log_since($log, $from) =~ /"started as @/;
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            delete $self->{workers}{$i};
            die "worker $i exited at start-up: " . $self->log_since($log, $from);
        }
        sleep 0.05;
    }
    die "worker $i did not start: " . $self->log_since($log, $from);
}

sub log_since {
    my ($self, $file, $from) = @_;
    open my $fh, '<', $file or return '';
    seek $fh, $from || 0, 0;
    local $/;
    return <$fh> // '';
}

sub worker_log { my ($self, $i) = @_; $self->log_since("$self->{dir}/logs/worker" . ($i // 0) . '.log', 0) }

# signal worker $i; waits for it to exit and returns its status.  A
# sanitizer report in its log (an ASan build) fails the test.
sub stop_worker {
    my ($self, $i, $sig) = @_;
    my $pid = delete $self->{workers}{$i // 0} or return;
    kill $sig || 'TERM', $pid;
    waitpid $pid, 0;
    my $status = $?;
    $self->check_sanitizers;
    return $status;
}

sub check_sanitizers {
    my ($self) = @_;
    for my $log (glob "$self->{dir}/logs/worker*.log") {
        my $text = $self->log_since($log, 0);
        next if $self->{reported}{$log};
        if ($text =~ /(==\d+==ERROR: \w+Sanitizer.{0,3000}|runtime error:.{0,2000})/s) {
            $self->{reported}{$log} = 1;
            Test::More::fail("sanitizer report in $log");
            Test::More::diag($1);
        }
    }
}

sub api {
    my ($self, $method, $path, $body) = @_;
    my $res = $Http->request($method, $self->api_url . $path, {
        headers => { 'Content-Type' => 'application/json' },
        defined $body ? (content => $Json->encode($body)) : () });
    my $data = eval { $Json->decode($res->{content}) };
    return wantarray ? ($res->{status}, $data) : $data;
}

sub user_message {
    my ($self, $user, $text, $chat) = @_;
    return scalar $self->api('POST', '/_ctl/message', { user => $user, text => $text,
                                                         $chat ? (chat => $chat) : () });
}

sub press {
    my ($self, $user, $message, $data) = @_;
    return scalar $self->api('POST', '/_ctl/callback', { user => $user,
        chat_id => $message->{chat}{id}, message_id => $message->{message_id}, data => $data });
}

sub _query {
    my (%q) = @_;
    return join '&', map { "$_=$q{$_}" } grep { defined $q{$_} } sort keys %q;
}

sub calls {
    my ($self, %q) = @_;
    my $r = $self->api('GET', '/_ctl/calls?' . _query(%q));
    return @{ $r->{calls} || [] };
}

# waits until `count` calls match; returns them (all that matched)
sub wait_calls {
    my ($self, %q) = @_;
    my $timeout = delete($q{timeout}) || 20;
    my ($status, $r) = $self->api('GET', '/_ctl/wait?' . _query(%q, timeout_ms => $timeout * 1000));
    Test::More::diag("waiting for " . _query(%q) . " timed out") if $status != 200;
    return @{ $r->{calls} || [] };
}

# what the bot sends to $user's chat next: $n sendMessage calls (default
# 1) after $text (undef: nothing is said, the bot speaks on its own)
sub said {
    my ($self, $user, $text, $n) = @_;
    my @before = $self->calls(chat_id => $user->{id}, method => 'sendMessage');
    $self->user_message($user, $text) if defined $text;
    my @calls = $self->wait_calls(chat_id => $user->{id}, method => 'sendMessage',
                                  count => @before + ($n || 1));
    return @calls[@before .. $#calls];
}

sub messages {
    my ($self, $chat_id) = @_;
    my $r = $self->api('GET', "/_ctl/messages?chat_id=$chat_id");
    return @{ $r->{messages} || [] };
}

sub faults { my ($self, %f) = @_; $self->api('POST', '/_ctl/faults', \%f) }

sub psql { my $self = shift; $self->{pg}->psql(@_) }

# A database fault: every UPDATE of $table's rows matching $when (SQL over
# OLD and NEW) fails with "held by the test" until lift_updates($table)
sub hold_updates {
    my ($self, $table, $when) = @_;
    $self->psql(q{CREATE OR REPLACE FUNCTION mm_test_hold() RETURNS trigger LANGUAGE plpgsql }
              . q{AS $$ BEGIN RAISE EXCEPTION 'held by the test'; END $$});
    $self->psql("CREATE TRIGGER mm_test_hold BEFORE UPDATE ON $table FOR EACH ROW "
              . "WHEN ($when) EXECUTE FUNCTION mm_test_hold()");
}

sub lift_updates { my ($self, $table) = @_; $self->psql("DROP TRIGGER mm_test_hold ON $table") }

sub stop {
    my ($self) = @_;
    local $?;       # called at exit too: the processes' status is not the script's
    return unless $self->{owner} == $$;
    for my $pid (values %{ $self->{workers} }) {
        kill 'KILL', $pid;
        waitpid $pid, 0;
    }
    $self->{workers} = {};
    for my $k (qw(nginx_pid api_pid)) {
        my $pid = delete $self->{$k} or next;
        kill 'CONT', $pid;      # a test may have paused it (SIGSTOP)
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

END { $_->stop for @Stacks }

1;
