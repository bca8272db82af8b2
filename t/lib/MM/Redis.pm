package MM::Redis;

# A private redis-server for one test file: a free port, data under the
# file's server root, stopped when the file ends.  Stop and start keep the
# port and the directory, so a test can take Redis away and bring it back.

use strict;
use warnings;

use File::Spec;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);

sub new {
    my ($class, %args) = @_;
    # absolute: redis-server changes into --dir before opening its log
    my $self = bless { dir => File::Spec->rel2abs($args{dir}),
                       port => $args{port} || free_port() }, $class;
    return $self;
}

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub port { $_[0]{port} }

sub start {
    my ($self) = @_;
    return if $self->{pid};
    system('mkdir', '-p', $self->{dir}) == 0 or die "mkdir $self->{dir}";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        POSIX::setsid();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$self->{dir}/redis.out";
        open STDERR, '>&', \*STDOUT;
        { exec 'redis-server', '--port', $self->{port}, '--bind', '127.0.0.1',
              '--save', '', '--appendonly', 'no', '--dir', $self->{dir},
              '--logfile', "$self->{dir}/redis.log", '--daemonize', 'no' };
        POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    my $deadline = time + 10;
    while (time < $deadline) {
        return if $self->ping;
        die "redis-server exited, see $self->{dir}/redis.log\n"
            if waitpid($pid, POSIX::WNOHANG()) == $pid;
        sleep 0.05;
    }
    die "redis-server did not answer on port $self->{port}\n";
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill 'TERM', $pid;
    my $deadline = time + 10;
    while (time < $deadline) {
        return if waitpid($pid, POSIX::WNOHANG()) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
}

sub ping {
    my ($self) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port})
        or return 0;
    print $s "PING\r\n";
    my $line = <$s> // '';
    return $line =~ /^\+PONG/;
}

# redis-cli's plain output: a list of lines, or them joined in scalar context
sub cli {
    my ($self, @args) = @_;
    open my $fh, '-|', 'redis-cli', '-p', $self->{port}, @args
        or die "redis-cli: $!";
    my @lines = <$fh>;
    close $fh;
    s/\r?\n\z// for @lines;
    return wantarray ? @lines : join("\n", @lines);
}

sub DESTROY { $_[0]->stop }

1;
