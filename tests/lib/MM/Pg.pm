package MM::Pg;

# A private PostgreSQL cluster for one test file: initdb into a folder of
# its own (as the postgres user when we are root: the server refuses to run
# as root), a free port on 127.0.0.1, trust auth on loopback, fsync off;
# stopped and removed when the file ends.

use strict;
use warnings;
use File::Path qw(remove_tree make_path);
use File::Spec;
use MM::Redis ();
use Time::HiRes qw(sleep);

my $Bin = (sort glob('/usr/lib/postgresql/*/bin'))[-1];

sub new {
    my ($class, %args) = @_;
    my $self = bless { dir => File::Spec->rel2abs($args{dir}), port => MM::Redis::free_port(),
                       db => $args{db} || 'mm' }, $class;
    return $self;
}

sub available { defined $Bin && -x "$Bin/initdb" }

# runs a PostgreSQL program as the cluster's owner
sub as_owner {
    my ($self, @cmd) = @_;
    return $> == 0 ? ('runuser', '-u', 'postgres', '--', @cmd) : @cmd;
}

# runs a command with its output in the cluster's setup log; dies on failure
sub run {
    my ($self, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', "$self->{dir}/setup.log";
        open STDERR, '>&', \*STDOUT;
        { exec @cmd };
        exit 127;
    }
    waitpid $pid, 0;
    die "$cmd[0] failed ($?), see $self->{dir}/setup.log\n" if $?;
}

sub start {
    my ($self) = @_;
    my $data = "$self->{dir}/data";
    remove_tree($self->{dir});
    make_path($self->{dir});
    system('chown', '-R', 'postgres:postgres', $self->{dir}) if $> == 0;
    $self->run($self->as_owner("$Bin/initdb", '-D', $data, '-A', 'trust', '-U', 'postgres',
                               '--no-sync', '-E', 'UTF8'));
    $self->server_start;
    $self->run("$Bin/createdb", '-h', '127.0.0.1', '-p', $self->{port}, '-U', 'postgres',
               $self->{db});
}

# the server of an existing cluster: started (waits until it accepts
# connections), stopped (pg_ctl's mode: fast disconnects every session and
# rolls back what is open) — for a test that takes PostgreSQL away
sub server_start {
    my ($self) = @_;
    $self->run($self->as_owner("$Bin/pg_ctl", '-D', "$self->{dir}/data", '-l',
                               "$self->{dir}/server.log", '-w',
                               '-o', "-p $self->{port} -k $self->{dir} -c listen_addresses=127.0.0.1"
                                     . " -c fsync=off -c synchronous_commit=off"
                                     . " -c full_page_writes=off"
                                     . ($ENV{MM_PG_OPTIONS} ? " $ENV{MM_PG_OPTIONS}" : ""), 'start'));
    $self->{running} = 1;
}

sub server_stop {
    my ($self, $mode) = @_;
    $self->run($self->as_owner("$Bin/pg_ctl", '-D', "$self->{dir}/data", '-m', $mode || 'fast',
                               '-w', 'stop'));
}

sub url { "postgresql://postgres\@127.0.0.1:$_[0]{port}/$_[0]{db}" }

# psql's unaligned, tuples-only output: a list of rows, or them joined
sub psql {
    my ($self, $sql) = @_;
    open my $fh, '-|', "$Bin/psql", '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1',
        '-h', '127.0.0.1', '-p', $self->{port}, '-U', 'postgres', '-d', $self->{db}, '-c', $sql
        or die "psql: $!";
    my @rows = <$fh>;
    close $fh;
    s/\n\z// for @rows;
    return wantarray ? @rows : join("\n", @rows);
}

sub stop {
    my ($self) = @_;
    local $?;       # called at exit too (DESTROY): the script's status stays
    return unless delete $self->{running};
    eval { $self->run($self->as_owner("$Bin/pg_ctl", '-D', "$self->{dir}/data", '-m', 'immediate',
                                      '-w', 'stop')) };
    remove_tree($self->{dir});
}

sub DESTROY { $_[0]->stop }

1;
