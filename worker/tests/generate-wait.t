# A provider's retry delay is capped and interruptible: a 429 asking for an
# hour (Retry-After: 3600) sends the request to the next provider at once,
# and a worker waiting out a shorter delay stops at SIGTERM without waiting.
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);
use MM::FakeHttp;
use MM::Stack;

my $bin = $ENV{MM_WORKER_BIN} || 'build/mm-worker';

sub rate_limited {
    my ($secs) = @_;
    return MM::FakeHttp->new([{ status => 429, headers => { 'Retry-After' => $secs },
        body => encode_json({ error => { message => 'Rate limit reached', type => 'requests',
                                         code => 'rate_limit_exceeded' } }) }]);
}

# mm-worker generate: OpenAI asks for an hour, the offline source answers
{
    my $o = rate_limited(3600);
    my $t0 = time;
    my $out = `timeout 60 env OPENAI_BASE_URL=@{[$o->url]} LLM_PROVIDERS=openai,offline LLM_BACKOFF_MS=100 $bin generate --topic space --count 3 --difficulty 5 2>t/generate-wait.err`;
    my $status = $? >> 8;
    my $took = time - $t0;
    my $err = do { local (@ARGV, $/) = 't/generate-wait.err'; <> } // '';
    unlink 't/generate-wait.err';
    is($status, 0, 'a provider asking to wait an hour: generate still succeeds') or diag $err;
    cmp_ok($took, '<', 30, sprintf('without waiting (%.1f s)', $took));
    is(scalar(grep { length } split /\n/, $out), 3, 'three questions');
    like($err, qr/asks to wait 3600 s, more than 60 s: next provider/, 'the failover is reported');
    is(scalar($o->requests), 1, 'the provider was asked once');
    $o->stop;
}

# the worker: a generation job waits out a 40 s Retry-After; SIGTERM ends it at once
{
    my $o = rate_limited(40);
    my $s = MM::Stack->new(name => 'generate-wait', botapi => 0,
                           env => { OPENAI_BASE_URL => $o->url, LLM_PROVIDERS => 'openai',
                                    LLM_BACKOFF_MS => 100 });
    $s->start_worker(0);
    $s->psql(q{INSERT INTO jobs (kind, user_id, chat_id, payload, dedupe) VALUES ('generate', 42, 42,
               '{"topic": "volcanoes", "sdi": 5, "count": 3}', 'user:42')});
    for (1 .. 200) { last if scalar($o->requests) >= 1; sleep 0.1 }
    is(scalar($o->requests), 1, 'the provider answered 429 with Retry-After: 40');
    sleep 0.5;
    my $t0 = time;
    is($s->stop_worker(0), 0, 'SIGTERM: the worker stops cleanly');
    my $took = time - $t0;
    cmp_ok($took, '<', 10, sprintf('in %.1f s, not after the provider\'s 40 s', $took));
    $o->stop;
}

done_testing;
