package MM::NearAnswers;

# Scripted answers of a NEAR node, in the shapes nearcore gives them, for
# MM::FakeHttp scripts.

use strict;
use warnings;
use JSON::PP;
use Exporter 'import';

our @EXPORT = qw(result error view head ak outcome);

my $json = JSON::PP->new->canonical;

# {"result": …}
sub result { { status => 200, body => $json->encode({ jsonrpc => '2.0', id => '1', result => $_[0] }) } }

# {"error": {"name":"HANDLER_ERROR","cause":{"name":…},"data":…}}
sub error {
    my ($cause, $data) = @_;
    { status => 200, body => $json->encode({ jsonrpc => '2.0', id => '1', error => {
        name => 'HANDLER_ERROR', cause => { name => $cause, info => {} },
        code => -32000, message => 'Server error', (defined $data ? (data => $data) : ()) } }) }
}

# a call_function result: the view method's JSON text as an array of bytes
sub view { result({ result => [map { ord } split //, $_[0]], logs => [], block_height => 1, block_hash => 'x' }) }

# the final block
sub head { result({ header => { height => 1000, hash => $_[0] } }) }

# view_access_key of a full-access key
sub ak { result({ nonce => $_[0], permission => 'FullAccess', block_height => 1000 }) }

# an execution outcome at a level, with receipts' statuses
sub outcome {
    my ($level, $status, @receipts) = @_;
    result({ final_execution_status => $level, status => $status,
             receipts_outcome => [map { { id => "r$_", outcome => { status => $receipts[$_] } } } 0 .. $#receipts] });
}

1;
