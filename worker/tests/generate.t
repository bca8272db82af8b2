# mm-worker generate against local servers speaking Gemini's and OpenAI's
# wire protocol: request shapes, checked output, regeneration of dropped
# items, retries that honour retryDelay, failover on errors that cannot
# succeed, the offline source as last resort, and a blocked topic; then
# every failure the issue lists, one scripted case each (blocked prompt,
# SAFETY, truncation, 503, garbage, a hang past the timeout, refusal,
# content filter, 429 with Retry-After, spent quota) and every kind of bad
# item (option count, duplicates, two correct, lengths, profanity).
use strict;
use warnings;
use lib 'tests/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(time);
use MM::FakeHttp;

my $bin = $ENV{MM_WORKER_BIN} || 'build/mm-worker';
my $gkey = 'gemini-secret-key-123';
my $okey = 'sk-openai-secret-456';

# every item asks about something else: near-duplicates are dropped
my @things = qw(comet nebula quasar pulsar asteroid meteor galaxy supernova);
sub item {
    my ($n, %o) = @_;
    return { question => "Which moon matches the $things[$n % @things] clue number $n?",
             options => ["Io $n", "Europa $n", "Ganymede $n", "Callisto $n"],
             correct_index => 2, explanation => "Ganymede $n is the answer here.", sdi => 5, %o };
}

sub gemini_ok {
    my (@items) = @_;
    my $text = encode_json({ questions => \@items });
    return { status => 200, body => encode_json({ candidates => [{ content => { role => 'model',
        parts => [{ text => 'thinking...', thought => JSON::PP::true }, { text => $text }] },
        finishReason => 'STOP', index => 0 }], modelVersion => 'gemini-test' }) };
}

sub openai_ok {
    my ($content) = @_;
    return { status => 200, body => encode_json({ object => 'chat.completion', choices => [{ index => 0,
        message => { role => 'assistant', content => $content, refusal => undef },
        finish_reason => 'stop' }] }) };
}

sub generate {
    my ($env, @args) = @_;
    my %e = (LLM_BACKOFF_MS => 100, %$env);
    my $cmd = join(' ', 'env', (map { "$_='$e{$_}'" } sort keys %e), $bin, 'generate', (map { "'$_'" } @args),
                   '2>t/generate.err');
    my $t0 = time;
    my $out = `$cmd`;
    my $status = $? >> 8;
    my $err = do { local (@ARGV, $/) = 't/generate.err'; <> } // '';
    unlink 't/generate.err';
    return ($status, [map { decode_json($_) } grep { length } split /\n/, $out], $err, time - $t0);
}

my @std = ('--topic', 'space', '--count', 3, '--difficulty', 5);

# Gemini answers well: three questions, the request as Gemini wants it
{
    my $g = MM::FakeHttp->new([gemini_ok(item(1), item(2), item(3))]);
    my ($st, $qs, $err) = generate({ GOOGLE_GEMINI_API_KEY => $gkey, GEMINI_MODEL => 'gemini-test',
                                     GEMINI_BASE_URL => substr($g->url, 0, -1) }, @std);
    is($st, 0, 'gemini: exit 0') or diag $err;
    is(scalar(@$qs), 3, 'three questions');
    is_deeply([sort keys %{ $qs->[0] }],
              [sort qw(topic question options correct explanation sdi provider model)], 'in the documented shape');
    is($qs->[0]{correct}, 2, 'correct index kept');
    is("$qs->[0]{provider}/$qs->[0]{model}", 'gemini/gemini-test', 'named provider and model');
    my ($req) = $g->requests;
    like($req->{head}, qr{^POST /v1beta/models/gemini-test:generateContent HTTP}, 'generateContent path');
    like($req->{head}, qr/^x-goog-api-key: \Q$gkey\E\r$/mi, 'the key in x-goog-api-key');
    unlike((split /\n/, $req->{head})[0], qr/key/, 'never in the URL');
    my $body = decode_json($req->{body});
    is($body->{generationConfig}{responseMimeType}, 'application/json', 'JSON output asked');
    is($body->{generationConfig}{responseSchema}{properties}{questions}{items}{properties}{options}{maxItems}, 4,
       'with the response schema');
    like($body->{contents}[0]{parts}[0]{text}, qr/topic "space".*SDI 5 of 10/s, 'the prompt names topic and SDI');
    unlike($err, qr/\Q$gkey\E/, 'the key is not printed');
}

# a 429 with retryDelay, then an answer with one item that fails the checks:
# the retry waits, the dropped item is asked for again
{
    my $g = MM::FakeHttp->new([
        { status => 429, body => encode_json({ error => { code => 429, message => 'Resource has been exhausted',
            status => 'RESOURCE_EXHAUSTED', details => [{ '@type' => 'type.googleapis.com/google.rpc.RetryInfo',
            retryDelay => '1s' }] } }) },
        gemini_ok(item(1), item(2, options => ['Io', 'All of the above', 'Europa', 'Titan']), item(3)),
        gemini_ok(item(4)) ]);
    my ($st, $qs, $err, $took) = generate({ GOOGLE_GEMINI_API_KEY => $gkey, GEMINI_BASE_URL => substr($g->url, 0, -1),
                                            LLM_PROVIDERS => 'gemini' }, @std);
    is($st, 0, 'after a 429 and a dropped item: exit 0') or diag $err;
    is(scalar(@$qs), 3, 'still three questions');
    ok(!(grep { grep { /All of the above/ } @{ $_->{options} } } @$qs), 'none with a filler option');
    cmp_ok($took, '>=', 1, 'the retry waited retryDelay');
    like($err, qr/RESOURCE_EXHAUSTED/, 'the 429 is reported');
    like($err, qr/1 of 3 items failed the checks; asking again/, 'the regeneration too');
    my @r = $g->requests;
    is(scalar(@r), 3, 'three requests');
    like(decode_json($r[2]{body})->{contents}[0]{parts}[0]{text}, qr/^Write 1 multiple-choice/, 'the last asks for 1');
}

# a bad Gemini key fails over to OpenAI at once; OpenAI's request shape
{
    my $g = MM::FakeHttp->new([{ status => 400, body => encode_json({ error => { code => 400,
        message => 'API key not valid. Please pass a valid API key.', status => 'INVALID_ARGUMENT' } }) }]);
    my $o = MM::FakeHttp->new([openai_ok(encode_json({ questions => [item(1), item(2), item(3)] }))]);
    my ($st, $qs, $err) = generate({ GOOGLE_GEMINI_API_KEY => $gkey, GEMINI_BASE_URL => substr($g->url, 0, -1),
                                     OPENAI_API_KEY => $okey, OPENAI_MODEL => 'gpt-test',
                                     OPENAI_BASE_URL => $o->url . 'v1' }, @std);
    is($st, 0, 'failover: exit 0') or diag $err;
    is(scalar($g->requests), 1, 'a bad key is not retried');
    is($qs->[0]{provider}, 'openai', 'OpenAI made them');
    my ($req) = $o->requests;
    like($req->{head}, qr{^POST /v1/chat/completions HTTP}, 'chat completions path');
    like($req->{head}, qr/^Authorization: Bearer \Q$okey\E\r$/mi, 'bearer key');
    my $body = decode_json($req->{body});
    is($body->{model}, 'gpt-test', 'the model');
    is($body->{response_format}{type}, 'json_schema', 'structured output');
    ok($body->{response_format}{json_schema}{strict}, 'strict');
    is($body->{response_format}{json_schema}{schema}{properties}{questions}{items}{additionalProperties},
       JSON::PP::false, 'no additional properties');
    unlike($err, qr/\Q$okey\E|\Q$gkey\E/, 'no key printed');
}

# OpenAI out of quota: not retried; the offline source answers
{
    my $o = MM::FakeHttp->new([{ status => 429, body => encode_json({ error => {
        message => 'You exceeded your current quota', type => 'insufficient_quota', code => 'insufficient_quota' } }) }]);
    my ($st, $qs, $err) = generate({ OPENAI_API_KEY => $okey, OPENAI_BASE_URL => $o->url . 'v1' }, @std);
    is($st, 0, 'quota spent: exit 0') or diag $err;
    is(scalar($o->requests), 1, 'insufficient_quota is not retried');
    is($qs->[0]{provider}, 'offline', 'the offline source is the last resort');
    is(scalar(@$qs), 3, 'with three bank questions');
}

# a local OpenAI-compatible server: no key, a fenced answer is accepted
{
    my $o = MM::FakeHttp->new([openai_ok("```json\n" . encode_json({ questions => [item(7)] }) . "\n```")]);
    my ($st, $qs, $err) = generate({ OPENAI_BASE_URL => $o->url . 'v1', LLM_PROVIDERS => 'openai' },
                                   '--topic', 'space', '--count', 1, '--difficulty', 3);
    is($st, 0, 'a compatible server without a key') or diag $err;
    unlike(($o->requests)[0]{head}, qr/^Authorization/mi, 'no Authorization header sent');
    like($qs->[0]{question}, qr/number 7/, 'the fenced JSON is read');
}

# prose around the JSON and 500s: retried at most 3 times, then a clear failure
{
    my $o = MM::FakeHttp->new([openai_ok('Sure! Here are your questions: ' . encode_json({ questions => [item(1)] })),
                               { status => 500, body => '{"error":{"message":"boom","type":"server_error"}}' }]);
    my ($st, $qs, $err) = generate({ OPENAI_BASE_URL => $o->url . 'v1', LLM_PROVIDERS => 'openai' }, @std);
    is($st, 1, 'nothing usable: exit 1');
    is(scalar(@$qs), 0, 'no questions printed');
    like($err, qr/unusable output: the text is not one JSON object/, 'prose is not accepted');
    like($err, qr/no questions made \(openai: HTTP 500/, 'the reason is named');
    is(scalar($o->requests), 3, 'three attempts at most');
}

# Each way a provider can fail, scripted on the first provider with a good
# second one behind it: what cannot succeed fails over after one request,
# what may succeed later is retried on the same provider.
{
    sub gemini_json { my ($st, $body, %h) = @_; return { status => $st, body => encode_json($body), %h } }
    sub openai_text { my ($finish, $content, %m) = @_;
        return { status => 200, body => encode_json({ object => 'chat.completion', choices => [{ index => 0,
            message => { role => 'assistant', content => $content, %m }, finish_reason => $finish }] }) } }
    my $good3 = encode_json({ questions => [item(1), item(2), item(3)] });
    my @cases = (
        # [name, first provider, its bad answer, expected requests to it, who makes the questions]
        ['a blocked prompt (promptFeedback.blockReason)', 'gemini',
         gemini_json(200, { promptFeedback => { blockReason => 'SAFETY' } }), 1, 'openai'],
        ['a SAFETY finish', 'gemini',
         gemini_json(200, { candidates => [{ finishReason => 'SAFETY', index => 0 }] }), 1, 'openai'],
        ['truncation (MAX_TOKENS)', 'gemini',
         gemini_json(200, { candidates => [{ content => { parts => [{ text => '{"questions":[{"quest' }] },
                                             finishReason => 'MAX_TOKENS' }] }), 2, 'gemini'],
        ['503 overloaded', 'gemini',
         gemini_json(503, { error => { code => 503, message => 'The model is overloaded.', status => 'UNAVAILABLE' } }),
         2, 'gemini'],
        ['garbage bytes', 'gemini', { status => 200, body => "\x00\xff\xfe garbage \x1b[0m" }, 2, 'gemini'],
        ['a hang past the timeout', 'gemini', { %{ gemini_ok(item(1), item(2), item(3)) }, delay => 1.2 }, 2, 'gemini'],
        ['an OpenAI refusal', 'openai', openai_text('stop', undef, refusal => "I can't help with that."), 1, 'gemini'],
        ['truncation (length)', 'openai', openai_text('length', '{"questions":[{"question":"Wh'), 2, 'openai'],
        ['content_filter', 'openai', openai_text('content_filter', ''), 1, 'gemini'],
        ['429 with Retry-After', 'openai', { status => 429, headers => { 'Retry-After' => 1 },
            body => encode_json({ error => { message => 'Rate limit reached', type => 'requests',
                                             code => 'rate_limit_exceeded' } }) }, 2, 'openai'],
        ['429 insufficient_quota', 'openai', { status => 429, body => encode_json({ error => {
            message => 'You exceeded your current quota', type => 'insufficient_quota', code => 'insufficient_quota' } }) },
         1, 'gemini'],
    );
    for my $c (@cases) {
        my ($name, $first, $bad, $n, $maker) = @$c;
        my $g = MM::FakeHttp->new($first eq 'gemini' ? [$bad, gemini_ok(item(1), item(2), item(3))]
                                                     : [gemini_ok(item(1), item(2), item(3))]);
        my $o = MM::FakeHttp->new($first eq 'openai' ? [$bad, openai_ok($good3)] : [openai_ok($good3)]);
        my ($st, $qs, $err, $took) = generate({
            GOOGLE_GEMINI_API_KEY => $gkey, GEMINI_BASE_URL => substr($g->url, 0, -1),
            OPENAI_API_KEY => $okey, OPENAI_BASE_URL => $o->url . 'v1',
            LLM_PROVIDERS => $first eq 'gemini' ? 'gemini,openai' : 'openai,gemini', LLM_TIMEOUT_MS => 800 }, @std);
        is($st, 0, "$name: exit 0") or diag $err;
        is(scalar(($first eq 'gemini' ? $g : $o)->requests), $n, "$name: " . ($n == 1 ? 'not retried' : 'retried once'));
        is(join(',', map { $_->{provider} } @$qs), join(',', ($maker) x 3), "$name: three questions from $maker");
        ok($took >= 1, "$name: Retry-After honoured") if $name =~ /Retry-After/;
        $g->stop;
        $o->stop;
    }
}

# items that fail the checks are dropped with their reason and asked for
# again; the questions printed are the valid ones only
{
    my $long = 'Why ' . ('very ' x 60) . 'long?';
    my @bad = (item(4, options => ['A', 'B', 'C']), item(5, options => ['Io', 'io', 'Europa', 'Titan']),
               item(6, correct_index => [0, 1]), item(7, question => $long),
               item(1, options => ['x' x 101, 'B', 'C', 'D']), item(2, explanation => 'y' x 201),
               item(3, question => 'What the fuck is a moon?'));
    my $o = MM::FakeHttp->new([openai_ok(encode_json({ questions => [item(0), @bad] })),
                               openai_ok(encode_json({ questions => [item(6), item(7)] }))]);
    my ($st, $qs, $err) = generate({ OPENAI_BASE_URL => $o->url . 'v1', LLM_PROVIDERS => 'openai' }, @std);
    is($st, 0, 'bad items: exit 0') or diag $err;
    is(scalar(@$qs), 3, 'three valid questions in the end');
    is(scalar($o->requests), 2, 'the missing two asked for again');
    like($err, qr/has 3 options, not 4/, 'wrong option count named');
    like($err, qr/options 1 and 2 are the same/, 'duplicate options');
    like($err, qr/correct_index \(integer\)/, 'two correct answers');
    like($err, qr/question has 3\d\d characters|text too long/, 'an over-long question');
    like($err, qr/option 1 has 101 characters \(1-100\)/, 'an over-long option');
    like($err, qr/explanation is over 200 characters/, 'an over-long explanation');
    like($err, qr/filtered word "fuck"/, 'profanity');
    for my $q (@$qs) {
        ok(length($q->{question}) <= 300 && @{ $q->{options} } == 4 && $q->{correct} =~ /^[0-3]$/,
           "valid: $q->{question}");
    }
}

my ($st, undef, $err) = generate({ LLM_TOPIC_BLOCKLIST => 'weapons, gore' }, '--topic', 'Medieval Weapons',
                                 '--count', 1, '--difficulty', 3);
is($st, 1, 'a blocked topic is refused');
like($err, qr/the topic "medieval weapons" is not allowed \(blocked word "weapons"\)/, 'clearly');
($st, undef, $err) = generate({ LLM_PROVIDERS => 'gemini' }, @std);
is($st, 2, 'a provider without its key stops');
like($err, qr/LLM_PROVIDERS has gemini but GOOGLE_GEMINI_API_KEY is not set/, 'naming the setting');
($st) = generate({}, '--topic', 'space', '--count', 0, '--difficulty', 3);
is($st, 2, 'a bad count is refused');
done_testing;
