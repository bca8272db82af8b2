# The NEAR RPC client against scripted local endpoints that answer the way
# nodes and gateways do: results, JSON-RPC errors, 429 with Retry-After,
# 5xx pages, garbage, silence, refused connections.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use IPC::Open3;
use Symbol qw(gensym);
use MM::FakeHttp;
use MM::Redis;

my $json = JSON::PP->new->canonical;
my $ok = { status => 200, body => '{"jsonrpc":"2.0","id":"1","result":{"amount":"999788200694421800000000","storage_usage":410}}' };
my $busy = { status => 503, body => '<html>503 Service Temporarily Unavailable</html>' };

sub rpc {
    my (%env) = @_;
    local @ENV{keys %env} = values %env;
    $ENV{NEAR_RPC_BACKOFF_MS} //= 20;
    my $pid = open3(my $in, my $out, my $err = gensym, 'build/mm-worker', 'near', 'rpc', 'query',
                    '{"request_type":"view_account","finality":"final","account_id":"user1.quizbot.near"}');
    close $in;
    my $stdout = do { local $/; <$out> } // '';
    my $stderr = do { local $/; <$err> } // '';
    waitpid $pid, 0;
    return ($? >> 8, $stdout, $stderr);
}

# 1. an answer; the request is JSON-RPC 2.0; the key goes to the primary only
{
    my $p = MM::FakeHttp->new([$busy]);
    my $f = MM::FakeHttp->new([$ok]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $f->url, FASTNEAR_API_KEY => 'k-123');
    is($rc, 0, 'an answer exits 0');
    is($json->decode($out)->{amount}, '999788200694421800000000', 'prints the result');
    my ($req) = $f->requests;
    my $body = $json->decode($req->{body});
    is_deeply([@$body{qw(jsonrpc method)}], ['2.0', 'query'], 'a JSON-RPC 2.0 request');
    is($body->{params}{account_id}, 'user1.quizbot.near', 'with the params');
    like($req->{head}, qr/^Authorization: Bearer k-123\r$/m, 'FASTNEAR_API_KEY as a bearer token');
    like($req->{head}, qr/^Content-Type: application\/json\r$/m, 'JSON content type');
    unlike($err, qr/k-123/, 'the key is never printed');
}

# 2. a JSON-RPC error about the request is final: no retry, no failover
{
    my $p = MM::FakeHttp->new([{ status => 200, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_ACCOUNT","info":{"requested_account_id":"user1.quizbot.near"}},"code":-32000,"message":"Server error","data":"account user1.quizbot.near does not exist while viewing"}}' }]);
    my $f = MM::FakeHttp->new([$ok]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $p->url, NEAR_RPC_FALLBACKS => $f->url);
    is($rc, 1, 'an error answer exits 1');
    like($err, qr/HANDLER_ERROR\/UNKNOWN_ACCOUNT.*does not exist/, 'names the cause');
    is(scalar($p->requests), 1, 'asked once');
    is(scalar($f->requests), 0, 'no failover for an answer');
}

# 3. INVALID_TRANSACTION: the reason is in data, even under HTTP 400
{
    my $p = MM::FakeHttp->new([{ status => 400, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":{"name":"INVALID_TRANSACTION","info":{}},"code":-32000,"message":"Server error","data":{"TxExecutionError":{"InvalidTxError":{"InvalidNonce":{"tx_nonce":5,"ak_nonce":7}}}}}}' }]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $p->url);
    is($rc, 1, 'INVALID_TRANSACTION is final');
    like($err, qr/INVALID_TRANSACTION.*InvalidNonce.*"ak_nonce":7/, 'with the reason from data');
}

# 4. 5xx pages: retried with backoff (3 retries), then the fallback answers
{
    my $p = MM::FakeHttp->new([$busy]);
    my $f = MM::FakeHttp->new([$ok]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $p->url, NEAR_RPC_FALLBACKS => " $f->{port}x,");
    is($rc, 2, 'a malformed fallback URL is refused at start') or diag($err);
    ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $p->url, NEAR_RPC_FALLBACKS => $f->url);
    is($rc, 0, 'the fallback answers');
    is(scalar($p->requests), 4, 'the primary got the first try and 3 retries');
    is(scalar($f->requests), 1, 'the fallback once');
}

# 5. 429 with Retry-After: no retry at that endpoint, straight to the next
{
    my $p = MM::FakeHttp->new([{ status => 429, body => 'slow down', headers => { 'Retry-After' => 30 } }]);
    my $f = MM::FakeHttp->new([$ok]);
    my ($rc) = rpc(NEAR_RPC_ENDPOINT => $p->url, NEAR_RPC_FALLBACKS => $f->url);
    is($rc, 0, '429: the fallback answers');
    is(scalar($p->requests), 1, '429: the primary is not hammered');
}

# 6. silence past the timeout, garbage, and a node that cannot serve: next endpoint
{
    # one connection at a time: the server logs a retry once it has slept off the previous one
    my $slow = MM::FakeHttp->new([{ status => 200, body => $ok->{body}, delay => 0.4 }]);
    my $junk = MM::FakeHttp->new([{ status => 200, body => '<html>not json' }]);
    my $stale = MM::FakeHttp->new([{ status => 200, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":{"name":"UNKNOWN_BLOCK","info":{}}}}' }]);
    my $f = MM::FakeHttp->new([$ok]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $slow->url, NEAR_RPC_TIMEOUT_MS => 300,
        NEAR_RPC_FALLBACKS => join(',', $junk->url, $stale->url, $f->url));
    is($rc, 0, 'past a timeout, garbage and UNKNOWN_BLOCK, the last endpoint answers') or diag($err);
    select(undef, undef, undef, 0.6);
    is(scalar($slow->requests), 4, 'timeouts are retried');
    is(scalar($junk->requests), 1, 'garbage is not retried at that endpoint');
    is(scalar($stale->requests), 1, 'UNKNOWN_BLOCK moves on');
}

# 7. nobody answers: exit 3, one clear line
{
    my $dead = MM::Redis::free_port();
    my $p = MM::FakeHttp->new([$busy]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => "http://127.0.0.1:$dead/", NEAR_RPC_FALLBACKS => $p->url);
    is($rc, 3, 'no endpoint answers: exit 3');
    like($err, qr/^near rpc: UNAVAILABLE\//m, 'says so');
    is($out, '', 'prints no result');
}

# 8. the circuit breaker: after 5 consecutive failures the primary is skipped
{
    my $p = MM::FakeHttp->new([{ status => 200, body => 'garbage' }]);
    my $f = MM::FakeHttp->new([$ok]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $p->url, NEAR_RPC_FALLBACKS => $f->url,
                               NEAR_RPC_REPEAT => 8);
    is($rc, 0, 'eight calls, all answered');
    is(scalar($p->requests), 5, 'the primary is skipped once its breaker opens');
    is(scalar($f->requests), 8, 'the fallback takes every call');
    like($err, qr/endpoint 127\.0\.0\.1 #0: 5 calls, 5 failed, breaker open/, 'and reports it');
}

# 9. ... and closes again: after its open time one trial call goes to the
#    primary, which has recovered, and takes the traffic back
{
    my $p = MM::FakeHttp->new([({ status => 200, body => 'garbage' }) x 5, $ok]);
    my $f = MM::FakeHttp->new([$ok]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => $p->url, NEAR_RPC_FALLBACKS => $f->url,
                               NEAR_RPC_REPEAT => 8, NEAR_RPC_REPEAT_PAUSE_MS => 400,
                               NEAR_RPC_BREAKER_OPEN_MS => 1000);
    is($rc, 0, 'eight calls 0.4 s apart, all answered');
    is(scalar($f->requests), 7, 'the fallback served while the primary failed and while its breaker was open');
    is(scalar($p->requests), 6, 'the primary: five failures, then the trial after 1 s');
    like($err, qr/endpoint 127\.0\.0\.1 #0: 6 calls, 5 failed, breaker closed/, 'its breaker closed on success')
        or diag $err;
}

# 10. a provider's key in the URL (userinfo, path, query) is never shown:
#     every endpoint is named by its host and rank, in errors and summaries
{
    my $p = MM::FakeHttp->new([{ status => 200, body => 'garbage' }]);
    my $port = $p->{port};
    my $f = MM::FakeHttp->new([error_answer()]);
    my ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => "http://keyuser:keypass\@127.0.0.1:$port/v1/KEYINPATH?apikey=KEYINQUERY",
                               NEAR_RPC_FALLBACKS => $f->url . '/rpc/FALLBACKKEY', NEAR_RPC_BACKOFF_MS => 1);
    is($rc, 1, 'the fallback answered with an error');
    unlike($err, qr/keyuser|keypass|KEYINPATH|KEYINQUERY|FALLBACKKEY/, 'no userinfo, path or query in any line')
        or diag $err;
    like($err, qr/127\.0\.0\.1 #1: HANDLER_ERROR/, 'the error names the endpoint by host and rank') or diag $err;
    like($err, qr/endpoint 127\.0\.0\.1 #0: \d+ calls/, 'and so does the summary');
    ($rc, $out, $err) = rpc(NEAR_RPC_ENDPOINT => "http://127.0.0.1:$port/",
                            NEAR_RPC_FALLBACKS => "ftp://u:SECRETPW\@example.com/");
    is($rc, 2, 'a malformed fallback is refused');
    unlike($err, qr/SECRETPW/, 'without echoing it') or diag $err;
}

sub error_answer {
    { status => 200, body => '{"jsonrpc":"2.0","id":"1","error":{"name":"HANDLER_ERROR","cause":'
      . '{"name":"UNKNOWN_ACCOUNT","info":{}},"code":-32000,"message":"Server error"}}' }
}

done_testing();
