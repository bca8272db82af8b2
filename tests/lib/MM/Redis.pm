package MM::Redis;

# A private redis-server for one test file: a free loopback port, data and
# log under the file's server root, no persistence unless asked for
# (aof => 'always' or 'everysec': the append-only file, its fsync policy).
# stop() and start() keep the port and the directory, so a test can take
# Redis away and bring it back; crash() is a SIGKILL.  Whatever this process started is stopped when it exits, also after
# a die; a process forked by a test never stops the parent's Redis.
#
#   my $r = MM::Redis->new(dir => 't/servroot-x/redis');   # port => N, aof => 'always' optional
#   $r->start; $r->cli('SET', 'k', 'v'); $r->stop;
#   MM::Redis::free_port()   # a loopback port nobody listens on

use strict;
use warnings;

use File::Path ();
use File::Spec;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();

my %Running;    # pid => object, for the END block
my %Handed;     # ports free_port gave out, so one process never gets one twice

# Below Linux's ephemeral range (32768-60999): a port picked there cannot be
# taken meanwhile by some outgoing connection's local end.
sub free_port {
    for (1 .. 200) {
        my $port = 20000 + int(rand(12000));
        next if $Handed{$port};
        my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                      LocalPort => $port, Proto => 'tcp')
            or next;
        close $s;
        $Handed{$port} = 1;
        return $port;
    }
    die "no free port found between 20000 and 32000\n";
}

sub new {
    my ($class, %args) = @_;
    # absolute: redis-server changes into --dir before it opens its log
    return bless { dir   => File::Spec->rel2abs($args{dir}),
                   port  => $args{port} || free_port(),
                   aof   => $args{aof},
                   owner => $$ }, $class;
}

sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }
sub dir  { $_[0]{dir} }

# true while our redis-server process is alive (reaps it if it died)
sub running {
    my ($self) = @_;
    my $pid = $self->{pid} or return 0;
    return 1 if waitpid($pid, POSIX::WNOHANG()) == 0;
    delete $Running{$pid};
    delete $self->{pid};
    return 0;
}

# starts it (if not running) and waits until it answers PING
sub start {
    my ($self) = @_;
    return 1 if $self->running;
    File::Path::make_path($self->{dir});
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setsid();    # not in the terminal's group: the test stops it
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$self->{dir}/redis.out";
        open STDERR, '>&', \*STDOUT;
        my @persist = $self->{aof} ? ('--appendonly', 'yes', '--appendfsync', $self->{aof})
                                   : ('--appendonly', 'no');
        { exec 'redis-server', '--port', $self->{port}, '--bind', '127.0.0.1',
              '--save', '', @persist, '--dir', $self->{dir},
              '--logfile', "$self->{dir}/redis.log", '--daemonize', 'no' };
        POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    $Running{$pid} = $self;
    my $deadline = Time::HiRes::time() + 10;
    while (Time::HiRes::time() < $deadline) {
        return 1 if $self->ping;
        die "redis-server exited; see $self->{dir}/redis.log\n" unless $self->running;
        Time::HiRes::sleep(0.02);
    }
    $self->stop;
    die "redis-server did not answer PING on port $self->{port} within 10 s\n";
}

# SIGTERM, then wait until the process is gone and the port is closed
sub stop { $_[0]->_end('TERM') }

# SIGKILL: no shutdown, only what the append-only file already holds
# survives; waits until the process is reaped and the port is closed
sub crash { $_[0]->_end('KILL') }

sub _end {
    my ($self, $sig) = @_;
    local $?;       # called at exit too (DESTROY): the script's status stays
    my $pid = $self->{pid} or return;
    return if $self->{owner} != $$;
    kill $sig, $pid;
    unless ($sig eq 'TERM' ? _reap($pid, 10) : waitpid($pid, 0)) {
        kill 'KILL', $pid;
        waitpid $pid, 0;
    }
    delete $Running{$pid};
    delete $self->{pid};
    my $deadline = Time::HiRes::time() + 5;
    Time::HiRes::sleep(0.02) while $self->listening && Time::HiRes::time() < $deadline;
    return 1;
}

sub signal {
    my ($self, $sig) = @_;
    return $self->{pid} ? kill($sig, $self->{pid}) : 0;
}

sub listening {
    my ($self) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Proto => 'tcp')
        or return 0;
    close $s;
    return 1;
}

sub ping {
    my ($self) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Proto => 'tcp', Timeout => 1)
        or return 0;
    print $s "PING\r\n";
    my $line = <$s> // '';
    close $s;
    return $line =~ /^\+PONG/ ? 1 : 0;
}

# redis-cli's plain (non-tty) output: the lines in list context, the whole
# output trimmed in scalar context
sub cli {
    my ($self, @args) = @_;
    open my $fh, '-|', 'redis-cli', '-p', $self->{port}, @args
        or die "redis-cli: $!";
    my @lines = <$fh>;
    close $fh;
    s/\r?\n\z// for @lines;
    return @lines if wantarray;
    my $out = join "\n", @lines;
    $out =~ s/\A\s+|\s+\z//g;
    return $out;
}

# leave it running when this process ends (TEST_NGINX_NO_CLEAN)
sub keep {
    my ($self) = @_;
    delete $Running{ $self->{pid} } if $self->{pid};
    $self->{keep} = 1;
}

sub _reap {
    my ($pid, $seconds) = @_;
    my $deadline = Time::HiRes::time() + $seconds;
    while (Time::HiRes::time() < $deadline) {
        return 1 if waitpid($pid, POSIX::WNOHANG()) != 0;
        Time::HiRes::sleep(0.02);
    }
    return 0;
}

sub DESTROY {
    my ($self) = @_;
    $self->stop unless $self->{keep};
}

END {
    local $?;
    $_->stop for grep { !$_->{keep} } values %Running;
}

1;
