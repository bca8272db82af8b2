package MM::NearNode;

# The stateful local NEAR node (worker/tests/near-peer/node.mjs) for a test
# or a benchmark: started with a genesis, read and steered over HTTP.
#   my $node = MM::NearNode->new(dir => $dir, accounts => {...}, tokens => {...});
#   $node->url; $node->state; $node->fund($account, $yocto);
#   $node->fault(method => 'send_tx', kind => 'drop_after_apply'); $node->stop;
# final_ms => 1200 models finality (applied at once, FINAL that much later);
# fallback => 1 opens a second port, url2, a fallback provider of the same chain:
#   $node->fault(method => '*', kind => 'http_503', count => 1000, port => $node->port);
# For a benchmark, the operator's account and its pool of keys in one go:
#   my ($node, @pool) = MM::NearNode->operator($stack, keys => 16, final_ms => 1200, ...);

use strict;
use warnings;
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::Redis ();

my $Json = JSON::PP->new->canonical;
my $Http = HTTP::Tiny->new(timeout => 70);

sub new {
    my ($class, %args) = @_;
    my $self = bless { dir => $args{dir}, port => MM::Redis::free_port() }, $class;
    $self->{port2} = MM::Redis::free_port() if $args{fallback};
    open my $g, '>', "$self->{dir}/genesis.json" or die "genesis: $!";
    print $g $Json->encode({ accounts => $args{accounts} || {}, tokens => $args{tokens} || {} });
    close $g;
    my $log = "$self->{dir}/near-node.log";
    unlink $log;
    $self->{pid} = fork // die "fork: $!";
    if ($self->{pid} == 0) {
        open STDOUT, '>', $log;
        open STDERR, '>&', \*STDOUT;
        { exec 'node', 'worker/tests/near-peer/node.mjs', '--port', $self->{port}, '--state',
               "$self->{dir}/genesis.json", '--block-ms', $args{block_ms} || 100,
               '--final-ms', $args{final_ms} || 0, $self->{port2} ? ('--port2', $self->{port2}) : () };
        POSIX::_exit(127);
    }
    my $t0 = time;
    until ((-s $log && `cat $log` =~ /listening/) || time - $t0 > 20) { sleep 0.05 }
    die "the NEAR node did not start: " . `cat $log` unless `cat $log` =~ /listening/;
    return $self;
}

# The operator (quizbot.testnet, the vectors' master key, FullAccess, 10 M
# NEAR) on a new node in $stack's directory, beside `accounts` and `tokens`;
# the workers' chain settings (wallet, sealing key, this node, and `env`) in
# $stack's env; then `mm-worker near add-keys` puts `keys` more keys on the
# account.  Returns the node and the pool (what NEAR_SIGNER_KEYS takes).
our $Operator = 'quizbot.testnet';
sub operator {
    my ($class, $stack, %args) = @_;
    my $master = do { open my $f, '<', 'worker/tests/near-vectors/vectors.json' or die "vectors: $!";
                      local $/; $Json->decode(<$f>)->{keys}{master} };
    my $node = $class->new(dir => $stack->dir, final_ms => $args{final_ms}, tokens => $args{tokens},
        accounts => { %{ $args{accounts} || {} }, $Operator => { amount => '1' . ('0' x 31), keys => [{
            public_key => $master->{public_key}, nonce => 0, permission => 'FullAccess' }] } });
    $stack->{env} = { %{ $stack->{env} || {} }, NEAR_WALLET_ADDRESS => $Operator,
        NEAR_WALLET_PRIVATE_KEY => $master->{secret_key},
        WALLET_ENCRYPTION_KEY => 'a wallet sealing key of at least thirty-two characters',
        NEAR_RPC_ENDPOINT => $node->url, %{ $args{env} || {} } };
    my ($code, $out, $err) = $stack->cli('near', 'add-keys', $args{keys} || 16);
    die "near add-keys: $err\n" if $code;
    my ($line) = split /\n/, $out;
    my @pool = split /,/, ($line =~ s/^NEAR_SIGNER_KEYS=//r);
    die "near add-keys: no keys in $out\n" unless @pool == ($args{keys} || 16);
    return ($node, @pool);
}

sub url  { "http://127.0.0.1:$_[0]{port}" }
sub url2 { "http://127.0.0.1:$_[0]{port2}" }
sub port { $_[0]{port} }

sub _call {
    my ($self, $method, $path, $body) = @_;
    my $r = $Http->request($method, $self->url . $path, $body ? { content => $Json->encode($body) } : {});
    return $Json->decode($r->{content});
}

sub state  { $_[0]->_call('GET', '/__state') }
sub counts { $_[0]->_call('GET', '/__counts') }
sub fund   { my ($self, $account, $amount) = @_; $self->_call('POST', '/__fund', { account_id => $account, amount => $amount }) }
sub fault  { my ($self, %f) = @_; $self->_call('POST', '/__fault', { count => 1, %f }) }

# successful transactions to $receiver
sub paid_to {
    my ($self, $receiver) = @_;
    return scalar grep { $_->{receiver_id} eq $receiver && $_->{status} eq 'success' } @{ $self->state->{txs} };
}

sub stop {
    my ($self) = @_;
    local $?;       # called at exit too: the node's status is not the test's
    return unless $self->{pid};
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
}

sub DESTROY { $_[0]->stop }

1;
