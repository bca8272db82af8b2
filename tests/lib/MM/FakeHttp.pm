package MM::FakeHttp;

# A scripted HTTP server on loopback for client tests: each request gets
# the next response of the script (the last one repeats) and is recorded.
#   my $s = MM::FakeHttp->new([{ status => 503, body => 'busy' },
#                              { status => 200, body => '{"result":1}', delay => 0.5,
#                                headers => { 'Retry-After' => 2 } }]);
#   $s->url; $s->requests (list of { head, body }); $s->stop;

use strict;
use warnings;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();

sub new {
    my ($class, $script) = @_;
    my $listen = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1', LocalPort => 0,
                                       ReuseAddr => 1) or die "listen: $!";
    my $log = "/tmp/mm-fakehttp-$$-" . $listen->sockport . '.log';
    unlink $log;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $n = 0;
        while (my $c = $listen->accept) {
            my $head = '';
            while (defined(my $line = <$c>)) { $head .= $line; last if $line eq "\r\n" }
            my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
            my $body = '';
            read($c, $body, $len) if $len;
            my $r = $script->[$n < @$script ? $n : $#$script];
            $n++;
            open my $f, '>>', $log;
            print $f JSON::PP->new->canonical->encode({ head => $head, body => $body }), "\n";
            close $f;
            select(undef, undef, undef, $r->{delay}) if $r->{delay};
            my $out = $r->{body} // '';
            my $h = join '', map { "$_: $r->{headers}{$_}\r\n" } sort keys %{ $r->{headers} || {} };
            print $c "HTTP/1.1 " . ($r->{status} || 200) . " X\r\nContent-Length: " . length($out)
                   . "\r\nConnection: close\r\n$h\r\n$out";
            close $c;
        }
        POSIX::_exit(0);
    }
    return bless { pid => $pid, port => $listen->sockport, log => $log }, $class;
}

sub url { "http://127.0.0.1:$_[0]{port}/" }

sub requests {
    my ($self) = @_;
    open my $f, '<', $self->{log} or return wantarray ? () : 0;
    my @requests = map { JSON::PP->new->decode($_) } <$f>;
    return @requests;
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'KILL', $self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
    unlink $self->{log};
}

sub DESTROY { $_[0]->stop }

1;
