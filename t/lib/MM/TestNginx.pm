package MM::TestNginx;

# Runs blocks in the data-driven format of openresty's Test::Nginx against a
# real nginx (restarted for every block) and a private Redis (MM::Redis).
# A Test::Base subclass: the test file says `use MM::TestNginx;`, gets
# Test::More's functions and ours, calls run_tests() and keeps its blocks
# after __DATA__.  t/000-harness.t shows every section at work.
#
# Sections: main_config http_config config workers log_level init request
# raw_request more_headers timeout error_code response_body
# response_body_like response_headers response_headers_like error_log
# no_error_log grep_error_log grep_error_log_out wait check must_die
# no_flush no_valgrind, and Test::Base's SKIP ONLY LAST.  `eval` works on
# each; request, raw_request and more_headers take an arrayref for several
# requests, and the response sections then take arrayrefs matched pairwise.
# A block with response sections but no request section sends GET /.
#
# Environment: TEST_NGINX_BINARY TEST_NGINX_PORT TEST_NGINX_SERVROOT
# TEST_NGINX_LOAD_MODULES TEST_NGINX_LOG_LEVEL TEST_NGINX_MASTER_PROCESS
# TEST_NGINX_SLEEP TEST_NGINX_USE_VALGRIND TEST_NGINX_LD_PRELOAD
# TEST_NGINX_ASAN_OPTIONS TEST_NGINX_UBSAN_OPTIONS TEST_NGINX_NO_CLEAN.
# Configs and requests may use $TEST_NGINX_<anything in the environment>,
# plus PORT, SERVER_PORT, REDIS_PORT, SERVROOT and ROOT (the repository).
#
# Spiffy's -Base source filter gives every `sub name {` in this file a
# `my $self = shift;`.  The functions of this package are plain functions,
# so each is declared `sub name() {`, which the filter turns back into an
# ordinary sub (it drops the empty prototype).

use Test::Base -Base;

use Cwd ();
use File::Basename ();
use File::Path ();
use File::Spec;
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use Test::Base::Filter ();
use Test::LongString ();
use Test::More import => [qw(done_testing note explain subtest BAIL_OUT
                             require_ok new_ok)];
use Time::HiRes ();
# the helpers the module's and the worker's tests share (Redis, PostgreSQL)
use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../../../tests/lib';
use MM::Redis;

# Test::Base already exports the rest of Test::More's functions
our @EXPORT = qw(run_tests no_shuffle no_redis no_modules
                 redis_cli redis_stop redis_start redis_port redis_signal
                 http_request nginx_port servroot metrics_like
                 done_testing note explain subtest BAIL_OUT require_ok new_ok);

# Perl from a block (init, check, `eval` sections), compiled in package main
# where the test file's own subs live.  Defined before any file lexical so
# that the code cannot see (or clobber) the harness's state.  The caller
# looks at $@.
sub eval_main() {
    my $code = shift;
    my $where = shift;
    $where =~ s/["\n]//g;
    no strict 'vars';
    return CORE::eval("package main;\n#line 1 \"$where\"\n$code");
}

package MM::TestNginx::Filter;

# Test::Base's `eval` filter runs the code in its own package and turns an
# error into the section's value; this one runs it in main and dies, which
# fails the block (see run_block).
our @ISA = ('Test::Base::Filter');

sub eval {
    $self->assert_scalar(@_);
    my @value = MM::TestNginx::eval_main(shift, $self->current_block->name . ' (eval)');
    die "eval: $@" if $@;
    return @value;
}

package MM::TestNginx;

my $Root = Cwd::abs_path(File::Basename::dirname(__FILE__) . '/../../..');
my $Owner = $$;                 # forked children never clean up
my $Binary = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my $Valgrind = $ENV{TEST_NGINX_USE_VALGRIND} ? 1 : 0;
my $Slow = $Valgrind ? 10 : 1;  # every wait and timeout is scaled by this
my $Sleep = $ENV{TEST_NGINX_SLEEP} || 0.1;
my $NoClean = $ENV{TEST_NGINX_NO_CLEAN} ? 1 : 0;
my $Servroot = File::Spec->rel2abs($ENV{TEST_NGINX_SERVROOT}
                                   || "$Root/t/servroot-" . File::Basename::basename($0, '.t'));
$Servroot =~ s{/+\z}{};
my $Port = $ENV{TEST_NGINX_PORT} || MM::Redis::free_port();

my ($Redis, $NoRedis, $NoModules, $Prepared);
my $Nginx;                      # pid of the nginx we started (its process group too)
my $NginxStatus;                # its wait status once it has exited
my %LogPos;                     # file => offset where the current block's part starts

sub no_shuffle() { 1 }          # blocks always run in file order
sub no_redis() { $NoRedis = 1 }
sub no_modules() { $NoModules = 1 }
sub nginx_port() { $Port }
sub servroot() { $Servroot }

# --- Redis: started the first time something needs it

sub redis() {
    return $Redis if $Redis;
    prepare();
    $Redis = MM::Redis->new(dir => "$Servroot/redis");
    $Redis->start;
    $ENV{TEST_NGINX_REDIS_PORT} = $Redis->port;
    return $Redis;
}

sub redis_port() { redis()->port }
sub redis_cli() { redis()->cli(@_) }
sub redis_stop() { redis()->stop }
sub redis_start() { redis()->start }
sub redis_signal() { redis()->signal($_[0]) }

# --- the file's run

# the server root, once per file: fresh directories, no leftovers of an
# earlier run that was killed or kept (TEST_NGINX_NO_CLEAN)
sub prepare() {
    return if $Prepared++;
    reap_stale();
    File::Path::remove_tree($Servroot);
    File::Path::make_path(map { "$Servroot/$_" } qw(conf logs html tmp));
    $ENV{TEST_NGINX_PORT} = $ENV{TEST_NGINX_SERVER_PORT} = $Port;
    $ENV{TEST_NGINX_SERVROOT} = $Servroot;
    $ENV{TEST_NGINX_ROOT} = $Root;
    # exit() runs the END blocks, which stop nginx and Redis
    for my $sig (qw(INT TERM HUP)) {
        $SIG{$sig} = sub {
            POSIX::_exit(1) if $$ != $Owner;
            print STDERR "# caught SIG$sig, stopping nginx and Redis\n";
            exit 1;
        };
    }
}

sub run_tests() {
    prepare();
    # Test::Base runs its own comparison at exit unless a plan was made
    # through it; done_testing() below then gives the count
    Test::More::plan('no_plan') unless Test::More->builder->has_plan;
    redis() unless $NoRedis;
    filters_delay();            # filtered per block, so a bad eval fails one block
    my @blocks = blocks();
    for my $i (0 .. $#blocks) {
        run_block($blocks[$i], $i == $#blocks);
    }
    if ($NoClean) {
        $Redis->keep if $Redis;
        undef $Nginx;
        Test::More::diag("TEST_NGINX_NO_CLEAN: nginx and Redis left running in $Servroot");
    } else {
        $Redis->stop if $Redis;
    }
    done_testing();
}

END {
    local $?;
    if ($$ == $Owner && $Nginx) {
        kill 'KILL', -$Nginx;
        waitpid $Nginx, 0;
    }
}

# --- one block

sub run_block() {
    my ($block, $last) = @_;
    my $name = $block->name;

    eval { $block->run_filters; 1 }
        or return fail_with("$name - sections", $@);
    if ($Valgrind && defined $block->no_valgrind) {
        return Test::More->builder->skip("$name: not under valgrind (timing or several processes)");
    }

    if ($Redis) {
        # a check may have left Redis down; each block starts with it up
        $Redis->start;
        $Redis->cli('FLUSHALL') unless defined $block->no_flush;
    }

    if (defined(my $init = $block->init)) {
        eval_main("$init\n;1", "$name --- init")
            or return fail_with("$name - init died", $@);
    }

    eval { write_config($block); 1 }
        or return fail_with("$name - config", $@);

    mark_logs();
    return run_must_die($block) if defined $block->must_die;

    if (my $why = start_nginx()) {
        Test::More::fail("$name - nginx did not start: $why");
        Test::More::diag(tail("$Servroot/logs/error.log", 30));
        stop_nginx();
        return check_sanitizer_files($name);
    }

    my @responses = eval { send_requests($block) };
    if ($@) {
        fail_with("$name - request", $@);
        return finish_block($block, $last);
    }
    check_responses($block, \@responses);

    Time::HiRes::sleep((defined $block->wait ? $block->wait : $Sleep * 3) * $Slow);

    if (defined(my $check = $block->check)) {
        no warnings 'once';
        local @main::responses = @responses;
        local $main::block = $block;
        eval_main("$check\n;1", "$name --- check")
            or fail_with("$name - check died", $@);
        # for log lines from the check's own requests
        Time::HiRes::sleep($Sleep * 3 * $Slow);
    }

    check_log_patterns($block, new_log_text());
    finish_block($block, $last);
}

# a failure named by the error's first line; the rest goes to diag
sub fail_with() {
    my ($what, $err) = @_;
    my ($first, $rest) = split /\n/, $err // 'unknown error', 2;
    Test::More::fail("$what: $first");
    Test::More::diag($rest) if defined $rest && $rest =~ /\S/;
    return 0;
}

# stops nginx (the last one survives under TEST_NGINX_NO_CLEAN) and reports
# how it went: a crash, a hang on QUIT, sanitizer or valgrind reports
sub finish_block() {
    my ($block, $last) = @_;
    my $name = $block->name;
    return if $last && $NoClean;
    my $during = $Nginx && defined nginx_status() ? ' during the block' : '';
    my ($status, $stuck) = stop_nginx();
    if ($stuck) {
        Test::More::fail("$name - nginx did not exit on QUIT within " . 5 * $Slow . " s");
    }
    if (defined $status && $status != 0) {
        my $how = $status & 127 ? 'on signal ' . ($status & 127) : 'with code ' . ($status >> 8);
        Test::More::fail("$name - nginx exited $how$during");
        Test::More::diag(tail("$Servroot/logs/error.log", 30));
    }
    check_crashes($name, new_log_text());
    check_sanitizer_files($name);
}

sub run_must_die() {
    my ($block) = @_;
    my $name = $block->name;
    my @cmd = ($Binary, '-t', '-p', "$Servroot/", '-c', 'conf/nginx.conf',
               '-e', "$Servroot/logs/error.log");
    my %env = sanitizer_env();
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if ($pid == 0) {
        @ENV{ keys %env } = values %env;
        open STDERR, '>&', \*STDOUT;
        { exec @cmd };
        POSIX::_exit(127);
    }
    my $out = do { local $/; <$fh> // '' };
    close $fh;
    Test::More::isnt($? >> 8, 0, "$name - nginx refuses the configuration")
        or Test::More::diag($out);
    check_log_patterns($block, $out . new_log_text());
    check_sanitizer_files($name);
}

# --- nginx

sub expand() {
    my ($text, $section) = @_;
    return $text unless defined $text;
    return [map { expand($_, $section) } @$text] if ref $text eq 'ARRAY';
    return $text if ref $text;
    $text =~ s{\$(TEST_NGINX_\w+)}{
        my $v = var_value($1);
        defined $v ? $v : die "--- $section: \$$1 is not set\n";
    }ge;
    return $text;
}

sub var_value() {
    my ($var) = @_;
    return $Port if $var eq 'TEST_NGINX_PORT' || $var eq 'TEST_NGINX_SERVER_PORT';
    return $Servroot if $var eq 'TEST_NGINX_SERVROOT';
    return $Root if $var eq 'TEST_NGINX_ROOT';
    return redis()->port if $var eq 'TEST_NGINX_REDIS_PORT';
    return $ENV{$var};
}

sub load_modules() {
    return () if $NoModules;
    my $list = $ENV{TEST_NGINX_LOAD_MODULES};
    $list = -f "$Root/build/ngx_mm_module.so" ? 'build/ngx_mm_module.so' : ''
        unless defined $list;
    return map { m{^/} ? $_ : "$Root/$_" } split ' ', $list;
}

sub write_config() {
    my ($block) = @_;
    my $workers = $block->workers;
    my $master = $workers || ($ENV{TEST_NGINX_MASTER_PROCESS} // '') eq 'on';
    # valgrind follows one process: no master, one worker
    ($master, $workers) = (0, 1) if $Valgrind;
    $workers ||= 1;
    my $level = $block->log_level || $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
    my $load = join '', map { "load_module $_;\n" } load_modules();
    my $user = ($> == 0 && $master) ? "user root;\n" : '';
    my $master_flag = $master ? 'on' : 'off';
    my $main = expand($block->main_config // '', 'main_config');
    my $http = expand($block->http_config // '', 'http_config');
    my $server = expand($block->config // '', 'config');
    my $s = $Servroot;

    write_file("$s/conf/nginx.conf", <<"EOT");
$load${user}daemon off;
master_process $master_flag;
worker_processes $workers;
error_log $s/logs/error.log $level;
pid $s/logs/nginx.pid;

$main

events {
    accept_mutex off;
    worker_connections 1024;
}

http {
    access_log $s/logs/access.log;
    client_body_temp_path $s/tmp/client_body;
    proxy_temp_path $s/tmp/proxy;
    fastcgi_temp_path $s/tmp/fastcgi;
    uwsgi_temp_path $s/tmp/uwsgi;
    scgi_temp_path $s/tmp/scgi;
    default_type text/plain;
    keepalive_timeout 68;
    # at http level, so that a block's config may set its own for the server
    client_max_body_size 30M;

$http

    server {
        listen 127.0.0.1:$Port;
        server_name localhost;

$server

        location / {
            root html;
        }
    }
}
EOT
}

# ASan (its runtime preloaded into the uninstrumented nginx) and UBSan
# report into files under logs/, checked after each block
sub sanitizer_env() {
    my $preload = $ENV{TEST_NGINX_LD_PRELOAD} or return ();
    my $asan = "log_path=$Servroot/logs/asan";
    $asan .= ":$ENV{TEST_NGINX_ASAN_OPTIONS}" if $ENV{TEST_NGINX_ASAN_OPTIONS};
    my $ubsan = "log_path=$Servroot/logs/ubsan:print_stacktrace=1";
    $ubsan .= ":$ENV{TEST_NGINX_UBSAN_OPTIONS}" if $ENV{TEST_NGINX_UBSAN_OPTIONS};
    return (LD_PRELOAD => $preload, ASAN_OPTIONS => $asan, UBSAN_OPTIONS => $ubsan);
}

sub nginx_command() {
    my @cmd = ($Binary, '-p', "$Servroot/", '-c', 'conf/nginx.conf',
               '-e', "$Servroot/logs/error.log");
    return @cmd unless $Valgrind;
    my $supp = "$Root/t/valgrind.suppress";
    return ('valgrind', '-q', '--error-exitcode=0', '--leak-check=full',
            '--show-possibly-lost=no', "--log-file=$Servroot/logs/valgrind.log",
            (-f $supp ? "--suppressions=$supp" : ()), @cmd);
}

# starts nginx in the background; returns '' once it accepts connections,
# else why not
sub start_nginx() {
    stop_nginx();
    unlink "$Servroot/logs/nginx.pid";
    my @cmd = nginx_command();
    my %env = sanitizer_env();
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setsid();    # one process group: the workers stop with it
        @ENV{ keys %env } = values %env;
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$Servroot/logs/stderr.log";
        open STDERR, '>&', \*STDOUT;
        { exec @cmd };
        POSIX::_exit(127);
    }
    ($Nginx, $NginxStatus) = ($pid, undef);
    my $deadline = Time::HiRes::time() + 5 * $Slow;
    while (Time::HiRes::time() < $deadline) {
        if (defined(my $status = nginx_status())) {
            undef $Nginx;
            return "it exited with status $status";
        }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $Port,
                                      Proto => 'tcp');
        if ($s) {
            close $s;
            # the port is the master's; give the worker processes a moment
            # to start and connect to Redis
            Time::HiRes::sleep($Sleep * $Slow);
            return '';
        }
        Time::HiRes::sleep(0.02);
    }
    return "no connection to port $Port within " . 5 * $Slow . ' s';
}

# the wait status of our nginx once it has exited (reaping it), else undef
sub nginx_status() {
    return $NginxStatus if defined $NginxStatus || !$Nginx;
    my $r = waitpid($Nginx, POSIX::WNOHANG());
    $NginxStatus = $? if $r == $Nginx;
    $NginxStatus = 0 if $r == -1;   # reaped by someone else: status unknown
    return $NginxStatus;
}

# QUIT, TERM after 5 s, then KILL for the whole group; returns the exit
# status (undef if nothing ran) and whether QUIT was not enough
sub stop_nginx() {
    my $pid = $Nginx // return (undef, 0);
    my $stuck = 0;
    for my $sig (qw(QUIT TERM KILL)) {
        last if defined nginx_status();
        $stuck = $sig ne 'QUIT';
        kill $sig, ($sig eq 'KILL' ? -$pid : $pid);
        my $deadline = Time::HiRes::time() + ($sig eq 'QUIT' ? 5 : 2) * $Slow;
        Time::HiRes::sleep(0.02)
            until defined nginx_status() || Time::HiRes::time() > $deadline;
    }
    waitpid $pid, 0 unless defined nginx_status();
    my $status = $NginxStatus // $?;
    ($Nginx, $NginxStatus) = (undef, undef);
    return ($status, $stuck);
}

# nginx and redis-server processes of an earlier run of this file, killed
# or kept with TEST_NGINX_NO_CLEAN: found by the server root in their
# command line (nginx) or working directory (redis-server)
sub reap_stale() {
    opendir my $proc, '/proc' or return;
    for my $pid (grep { /^\d+\z/ && $_ != $$ } readdir $proc) {
        my $exe = readlink("/proc/$pid/exe") // next;
        next unless File::Basename::basename($exe) =~ /^(?:nginx|redis-|valgrind|memcheck)/;
        my $cmd = read_file("/proc/$pid/cmdline");
        my $cwd = readlink("/proc/$pid/cwd") // '';
        next unless index($cmd, "$Servroot/") >= 0 || index("$cwd/", "$Servroot/") == 0;
        kill 'KILL', (getpgrp($pid) == $pid ? -$pid : $pid);
    }
}

# --- requests

sub send_requests() {
    my ($block) = @_;
    my $raw = $block->raw_request;
    my $req = $block->request;
    # no request section: GET / if the block expects a response, else none
    # (a check may do its own requests)
    $req = 'GET /' if !defined $raw && !defined $req && expects_response($block);
    return () unless defined $raw || defined $req;
    my $items = defined $raw ? $raw : expand($req, 'request');
    $items = [$items] unless ref $items eq 'ARRAY';
    my $more = expand($block->more_headers // '', 'more_headers');
    my $timeout = ($block->timeout || 3) * $Slow;
    my @responses;
    for my $i (0 .. $#$items) {
        my $headers = ref $more eq 'ARRAY' ? $more->[$i] : $more;
        my $bytes = defined $raw ? $items->[$i] : build_request($items->[$i], $headers);
        push @responses, exchange($bytes, $timeout);
    }
    return @responses;
}

sub expects_response() {
    my ($block) = @_;
    return grep { defined $block->$_ } qw(error_code response_body response_body_like
                                          response_headers response_headers_like);
}

# header lines from a section's text, an arrayref of lines or a hashref
sub header_lines() {
    my ($h) = @_;
    return () unless defined $h;
    return map { "$_: $h->{$_}" } sort keys %$h if ref $h eq 'HASH';
    return grep { /\S/ } map { s/\s+\z//r } (ref $h eq 'ARRAY' ? @$h : split /\n/, $h);
}

# "METHOD URI [PROTOCOL]" then the body (trimmed); adds Host, Connection
# and Content-Length unless the headers have them
sub build_request() {
    my ($text, $more) = @_;
    my ($line, $body) = split /\n/, $text // '', 2;
    my ($method, $uri, $proto) = split ' ', $line // '';
    $method ||= 'GET';
    $uri //= '/';
    $proto ||= 'HTTP/1.1';
    $body //= '';
    $body =~ s/\A\s+|\s+\z//g;
    my @headers = header_lines($more);
    my %have = map { /^([^:]+):/ ? (lc $1 => 1) : () } @headers;
    push @headers, 'Host: localhost' unless $have{host};
    push @headers, 'Connection: close' unless $have{connection};
    push @headers, 'Content-Length: ' . length($body)
        if !$have{'content-length'} && !$have{'transfer-encoding'}
           && (length $body || $method =~ /^(?:POST|PUT|PATCH)\z/);
    return join '', "$method $uri $proto\r\n", map({ "$_\r\n" } @headers), "\r\n", $body;
}

# one connection: send the bytes, read to EOF; {error} says what went wrong
sub exchange() {
    my ($bytes, $timeout) = @_;
    local $SIG{PIPE} = 'IGNORE';    # nginx may close before taking it all (413)
    my %fail = (status => 0, headers => {}, body => '', raw => '');
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $Port,
                                  Proto => 'tcp', Timeout => $timeout)
        or return { %fail, error => "connect to port $Port: $!" };
    $s->blocking(0);
    my $sel = IO::Select->new($s);
    my $deadline = Time::HiRes::time() + $timeout;

    while (length $bytes) {
        my $left = $deadline - Time::HiRes::time();
        last if $left <= 0 || !$sel->can_write($left);
        my $n = syswrite($s, $bytes);
        last if !defined $n && !$!{EAGAIN};     # closed: read what it said
        substr($bytes, 0, $n, '') if $n;
    }

    my ($raw, $error) = ('', undef);
    while (1) {
        my $left = $deadline - Time::HiRes::time();
        if ($left <= 0 || !$sel->can_read($left)) {
            $error = 'request timed out';
            last;
        }
        my $n = sysread($s, $raw, 65536, length $raw);
        next if !defined $n && $!{EAGAIN};
        last unless $n;     # EOF, or a reset after the response
    }
    close $s;
    my $r = parse_response($raw);
    $r->{error} = $error if $error;
    return $r;
}

sub parse_response() {
    my ($raw) = @_;
    my %r = (raw => $raw, status => 0, headers => {}, body => '');
    my ($head, $rest) = ('', $raw);
    # skip interim responses (100 Continue)
    do {
        ($head, $rest) = split /\r\n\r\n/, $rest, 2;
        # status 0: a test may expect nginx to close without a word (444)
        return \%r unless defined $head && $head =~ m{\AHTTP/\d\.\d (\d{3})};
        $r{status} = $1;
    } while ($r{status} =~ /^1/ && defined $rest && length $rest);
    for my $line (split /\r\n/, $head) {
        next unless $line =~ /^([^:\s]+):[ \t]*(.*)$/;
        my $k = lc $1;
        $r{headers}{$k} = exists $r{headers}{$k} ? "$r{headers}{$k}, $2" : $2;
    }
    $rest //= '';
    my $len = $r{headers}{'content-length'};
    if (($r{headers}{'transfer-encoding'} // '') =~ /chunked/i) {
        $r{body} = dechunk($rest);
    } elsif (defined $len && $len =~ /^\d+\z/) {
        $r{body} = substr($rest, 0, $len);
    } else {
        $r{body} = $rest;
    }
    return \%r;
}

sub dechunk() {
    my ($rest) = @_;
    my $body = '';
    while ($rest =~ s/\A([0-9a-fA-F]+)[^\r\n]*\r\n//) {
        my $n = hex $1;
        last if $n == 0;
        $body .= substr($rest, 0, $n, '');
        $rest =~ s/\A\r\n//;
    }
    return $body;
}

# one request from a test's own code:
#   http_request(method => 'POST', uri => '/x', headers => [lines] or {..},
#                body => '...', timeout => 3)   or   http_request(raw => $bytes)
sub http_request() {
    my (%a) = @_;
    my $timeout = ($a{timeout} || 3) * $Slow;
    return exchange($a{raw}, $timeout) if defined $a{raw};
    my $text = ($a{method} || 'GET') . ' ' . ($a{uri} || '/') . "\n" . ($a{body} // '');
    return exchange(build_request($text, $a{headers}), $timeout);
}

# --- response checks

# the i-th of n expected values: a section's arrayref is matched pairwise
sub nth() {
    my ($block, $section, $i, $n) = @_;
    my $v = $block->$section;
    return $v unless ref $v eq 'ARRAY';
    return $v->[$i] if @$v == $n;
    Test::More::fail($block->name . " - --- $section has " . @$v . " values for $n requests")
        if $i == 0;
    return undef;
}

sub check_responses() {
    my ($block, $responses) = @_;
    my $name = $block->name;
    my $n = @$responses;
    for my $i (0 .. $n - 1) {
        my $r = $responses->[$i];
        my $tag = $n > 1 ? "$name - request " . ($i + 1) : $name;
        if ($r->{error}) {
            Test::More::fail("$tag - $r->{error}");
            Test::More::diag('received so far: ' . substr($r->{raw}, 0, 500)) if length $r->{raw};
            next;
        }
        my $code = nth($block, 'error_code', $i, $n) // 200;
        Test::More::is($r->{status}, $code, "$tag - status")
            or Test::More::diag('the response: ' . substr($r->{raw}, 0, 500));
        my $body = nth($block, 'response_body', $i, $n);
        Test::LongString::is_string($r->{body}, $body, "$tag - body") if defined $body;
        if (defined(my $re = nth($block, 'response_body_like', $i, $n))) {
            unless (ref $re) { chomp $re; $re = qr/$re/s }
            Test::More::like($r->{body}, $re, "$tag - body like");
        }
        check_headers($r, nth($block, 'response_headers', $i, $n), $tag, 0);
        check_headers($r, nth($block, 'response_headers_like', $i, $n), $tag, 1);
    }
}

# "Name: value" (value a regex when $like), "!Name" for an absent header
sub check_headers() {
    my ($r, $spec, $tag, $like) = @_;
    for my $line (header_lines($spec)) {
        if ($line =~ /^\s*!\s*([^:\s]+)/) {
            my $k = $1;
            Test::More::ok(!exists $r->{headers}{lc $k}, "$tag - no $k header")
                or Test::More::diag("$k: $r->{headers}{lc $k}");
        } elsif ($line =~ /^\s*([^:\s]+):\s*(.*)$/) {
            my ($k, $v) = ($1, $2);
            if ($like) {
                Test::More::like($r->{headers}{lc $k} // '', qr/$v/, "$tag - header $k like");
            } else {
                Test::More::is($r->{headers}{lc $k}, $v, "$tag - header $k");
            }
        } else {
            Test::More::fail("$tag - bad header line: $line");
        }
    }
}

# like() on a page (default /metrics), polled for up to 3 s: nginx counts a
# request in its log phase, which may run just after the client has its
# response
sub metrics_like() {
    my ($re, $name, $uri) = @_;
    my $text = '';
    my $deadline = Time::HiRes::time() + 3 * $Slow;
    do {
        $text = http_request(uri => $uri || '/metrics')->{body};
        return Test::More::pass($name) if $text =~ $re;
        Time::HiRes::sleep(0.05);
    } while (Time::HiRes::time() < $deadline);
    return Test::More::like($text, $re, $name);
}

# --- logs

sub mark_logs() {
    $LogPos{$_} = -s "$Servroot/logs/$_" || 0 for qw(error.log stderr.log);
}

# what error.log and nginx's stderr got since the last call
sub new_log_text() {
    my $text = '';
    for my $f (qw(error.log stderr.log)) {
        open my $fh, '<', "$Servroot/logs/$f" or next;
        seek $fh, $LogPos{$f} // 0, 0;
        local $/;
        $text .= <$fh> // '';
        $LogPos{$f} = tell $fh;
    }
    return $text;
}

# a section's patterns: lines (substrings), or an eval's string, qr// or
# arrayref of either
sub patterns() {
    my ($v) = @_;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return ($v) if ref $v;
    return grep { /\S/ } split /\n/, $v;
}

sub log_has() {
    my ($log, $p) = @_;
    return ref $p ? $log =~ $p : index($log, $p) >= 0;
}

sub check_log_patterns() {
    my ($block, $log) = @_;
    my $name = $block->name;
    for my $p (patterns($block->error_log)) {
        Test::More::ok(log_has($log, $p), "$name - error log has: $p")
            or Test::More::diag("the block's log ends with:\n" . substr($log, -3000));
    }
    for my $p (patterns($block->no_error_log)) {
        Test::More::ok(!log_has($log, $p), "$name - error log lacks: $p")
            or Test::More::diag(join "\n", grep { log_has($_, $p) } split /\n/, $log);
    }
    if (defined(my $re = $block->grep_error_log)) {
        $re = qr/\Q$re\E/ unless ref $re;    # a plain section is a literal string
        my $got = '';
        while ($log =~ /$re/g) {
            $got .= substr($log, $-[0], $+[0] - $-[0]) . "\n";
        }
        my $want = $block->grep_error_log_out // '';
        if (ref $want) {
            Test::More::like($got, $want, "$name - grep error log");
        } else {
            Test::LongString::is_string($got, $want, "$name - grep error log");
        }
    }
    check_crashes($name, $log);
}

# crashes a master process survives (a worker killed by a signal) and
# sanitizer lines that reach the log or stderr
sub check_crashes() {
    my ($name, $log) = @_;
    for my $line (split /\n/, $log) {
        next unless $line =~ /exited on signal (?:4|6|7|8|11)\b/
            || $line =~ /runtime error:|AddressSanitizer|LeakSanitizer/;
        Test::More::fail("$name - $line");
    }
}

sub check_sanitizer_files() {
    my ($name) = @_;
    for my $f (grep { -s $_ } glob("$Servroot/logs/asan* $Servroot/logs/ubsan*")) {
        Test::More::fail("$name - sanitizer report $f");
        Test::More::diag(tail($f, 80));
        unlink $f;
    }
    my $vg = "$Servroot/logs/valgrind.log";
    if ($Valgrind && -s $vg) {
        my @errors = grep { /^==\d+==/ } split /\n/, read_file($vg);
        if (@errors) {
            Test::More::fail("$name - valgrind reported errors");
            Test::More::diag(join "\n", @errors);
        }
        unlink $vg;
    }
}

# --- files

sub read_file() {
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    return <$fh> // '';
}

sub write_file() {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!\n";
    print $fh $text;
    close $fh or die "$file: $!\n";
}

sub tail() {
    my ($file, $n) = @_;
    my @lines = split /^/m, read_file($file);
    splice @lines, 0, @lines - $n if @lines > $n;
    return "$file, last lines:\n" . join '', @lines;
}

1;
