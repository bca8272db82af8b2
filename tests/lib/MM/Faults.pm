package MM::Faults;

# The whole bot under restart faults, for worker/tests/faults-*.t: MM::Stack
# (nginx + ngx_mm_module on the webhook, Redis with its append-only file,
# PostgreSQL, the Bot API emulator) with the local NEAR node and two
# mm-worker processes with wallets on; players who keep playing practice
# runs and sending commands through the emulator (which posts them to
# nginx and redelivers what is not answered 200, as Telegram does);
# withdrawals left in flight; and the checks that the stack kept its
# promises once it settled.
#
#   my $f = MM::Faults->new(name => 'faults-stores', players => 30);
#   $f->drive(seconds => 6, at => { 1 => sub { ... }, 3 => sub { ... } });
#   $f->settle('after the Redis crash');
#   $f->check('after the Redis crash');
#   $f->finish;        # workers alive and never restarted, logs JSON, no secrets

use strict;
use warnings;
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Test::More ();
use Time::HiRes qw(sleep time);
use MM::NearNode;
use MM::Stack;

my $Json = JSON::PP->new->utf8->canonical;
my $Near = '000000000000000000000000';    # 24 zeros: 1 NEAR is "1$Near"
our $Seal = 'a wallet sealing key of at least thirty-two characters';

sub new {
    my ($class, %a) = @_;
    my $master = do {
        open my $fh, '<', 'worker/tests/near-vectors/vectors.json' or die "vectors: $!";
        local $/;
        $Json->decode(<$fh>)->{keys}{master};
    };
    # appendfsync always: the edge answers 200 once Redis said OK to the
    # XADD, and Telegram never sends an update answered 200 again, so an
    # acknowledged update must be on disk before the OK (see the .t files)
    my $s = MM::Stack->new(name => $a{name}, webhook => 1, redis_aof => 'always',
                           env => { MM_QUESTION_SECONDS => 600, MM_THREADS => 2,
                                    MM_JOB_LEASE_MS => 3000, %{ $a{env} || {} } });
    my $node = MM::NearNode->new(dir => $s->dir, accounts => {
        'quizbot.testnet' => { amount => "1000$Near",
                               keys => [{ public_key => $master->{public_key}, nonce => 0,
                                          permission => 'FullAccess' }] },
        'alice.testnet' => { amount => "1$Near", keys => [] } });
    my %near = (NEAR_WALLET_ADDRESS => 'quizbot.testnet',
                NEAR_WALLET_PRIVATE_KEY => $master->{secret_key},
                WALLET_ENCRYPTION_KEY => $Seal, NEAR_RPC_ENDPOINT => $node->url,
                NEAR_RPC_BACKOFF_MS => 20, NEAR_RPC_TIMEOUT_MS => 2000);
    my $self = bless { s => $s, node => $node, master => $master, near => \%near,
                       sent => {}, round => 0, players => [], t0 => time }, $class;
    my $hook = `env DATABASE_URL=unused TELEGRAM_TOKEN=$MM::Stack::Token TELEGRAM_API_BASE=@{[$s->api_url]} WEBHOOK_URL=@{[$s->webhook_url]} WEBHOOK_SECRET=$MM::Stack::Secret @{[$s->worker_bin]} set-webhook 2>&1`;
    Test::More::is($? >> 8, 0, 'the webhook is set') or Test::More::diag($hook);
    $self->{pids} = [map { $s->start_worker($_, %near) } 0, 1];
    $self->{nginx_pid} = $s->{nginx_pid};
    my $base = $a{base} || 4000;
    $self->{players} = [map { { id => $base + $_, first_name => "F$_" } } 1 .. ($a{players} || 20)];
    return $self;
}

sub stack { $_[0]{s} }
sub node  { $_[0]{node} }
sub near_env { %{ $_[0]{near} } }

# an update the test made the emulator send: kept, to be found at the end
sub _sent {
    my ($self, $r) = @_;
    $self->{sent}{ $r->{update_id} } = 1 if $r && defined $r->{update_id};
    return $r;
}

sub message { my ($self, $u, $text) = @_; $self->_sent($self->{s}->user_message($u, $text)) }
sub press   { my ($self, $u, $msg, $data) = @_; $self->_sent($self->{s}->press($u, $msg, $data)) }

sub buttons { map { @$_ } @{ $_[0]{reply_markup}{inline_keyboard} || [] } }

# A wallet opened for $user and funded with $near NEAR (before any fault).
sub wallet {
    my ($self, $user, $near) = @_;
    my $s = $self->{s};
    $self->message($user, '/wallet');
    my @m = $s->wait_calls(chat_id => $user->{id}, method => 'sendMessage', count => 2, timeout => 30);
    Test::More::like($m[-1]{params}{text} // '', qr/Your wallet is ready/,
                     "a wallet for $user->{first_name}");
    $self->{node}->fund("user$user->{id}.quizbot.testnet", "$near$Near");
}

# Asks for a withdrawal of $amount NEAR to alice.testnet and confirms it
# without waiting: it is in progress when this returns.  With $hold the
# node applies the transfer but never answers the send (the worker learns
# of it by asking for its status after NEAR_RPC_TIMEOUT_MS).
sub withdraw {
    my ($self, $user, $amount, $hold) = @_;
    my $s = $self->{s};
    my @before = $s->calls(chat_id => $user->{id}, method => 'sendMessage');
    $self->message($user, "/withdraw $amount NEAR alice.testnet");
    my @m = $s->wait_calls(chat_id => $user->{id}, method => 'sendMessage',
                           count => @before + 1, timeout => 30);
    my $ask = $m[-1];
    my ($ok) = grep { ($_->{callback_data} // '') =~ /^x:ok:/ } buttons($ask->{params});
    Test::More::ok($ok, "$user->{first_name} is asked to confirm $amount NEAR") or return;
    $self->{node}->fault(method => 'send_tx', kind => 'drop_after_apply') if $hold;
    $self->press($user, $ask->{response}{result}, $ok->{callback_data});
    push @{ $self->{withdrawals} }, { user => $user, amount => $amount };
}

# A burst of $a{count} commands from every player, sent by $a{procs}
# processes at once (default 4) so the edge takes them faster than the
# workers handle them; $a{poll} runs every 20 ms meanwhile and after, until
# it returns true or 30 s passed.  Returns how many were sent.
sub burst {
    my ($self, %a) = @_;
    my $procs = $a{procs} || 4;
    my @players = @{ $self->{players} };
    my $file = $self->{s}->dir . '/burst.ids';
    unlink $file;
    my @kids;
    for my $k (0 .. $procs - 1) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
            my @ids;
            for my $i (1 .. $a{count}) {
                for my $u (@players[grep { $_ % $procs == $k } 0 .. $#players]) {
                    my $r = $http->post($self->{s}->api_url . '/_ctl/message', {
                        headers => { 'Content-Type' => 'application/json' },
                        content => $Json->encode({ user => $u, text => "/b$i" }) });
                    my $id = eval { $Json->decode($r->{content})->{update_id} };
                    push @ids, $id if defined $id;
                }
            }
            open my $fh, '>>', $file or POSIX::_exit(1);
            flock $fh, 2;
            print $fh map { "$_\n" } @ids;
            close $fh;
            POSIX::_exit(0);    # not END: the stores belong to the parent
        }
        push @kids, $pid;
    }
    my $t0 = time;
    my $hit;
    while (@kids || (!$hit && time - $t0 < 30)) {
        @kids = grep { waitpid($_, POSIX::WNOHANG()) == 0 } @kids;
        $hit ||= $a{poll} && $a{poll}->();
        last if $hit && !@kids;
        sleep 0.02;
    }
    open my $fh, '<', $file or die "burst: $!";
    my $n = 0;
    while (<$fh>) { chomp; $self->{sent}{$_} = 1; $n++ }
    return $n;
}

# One round of play: each player presses an answer on the question in
# front of them (a second time if it is still there two rounds later:
# the press must take effect once), starts a run when none is going, and
# sends a command.
sub round {
    my ($self) = @_;
    my $s = $self->{s};
    my $n = ++$self->{round};
    my @cmds = ("/c$n", '/stats', "/c$n", '/leaderboard', "/c$n", '/start');
    for my $u (@{ $self->{players} }) {
        my @mine = grep { $_->{from} && $_->{from}{is_bot} } $s->messages($u->{id});
        my ($q) = grep { grep { ($_->{callback_data} // '') =~ /^a:/ } buttons($_) } reverse @mine;
        if ($q) {
            my $seen = $self->{pressed}{"$u->{id}/$q->{message_id}"} //= $n;
            if ($seen == $n || $n - $seen == 2) {
                my @a = grep { ($_->{callback_data} // '') =~ /^a:/ } buttons($q);
                $self->press($u, $q, $a[($u->{id} + $n) % @a]{callback_data});
            }
        } elsif (!$self->{playing}{ $u->{id} }
                 || (@mine && ($mine[-1]{text} // '') =~ /Run complete/)) {
            $self->{playing}{ $u->{id} } = $n;
            $self->message($u, '/play maze');
            next;
        }
        $self->message($u, $cmds[($u->{id} + $n) % @cmds]);
    }
}

# Plays rounds for $a{seconds}, one every $a{every} s (default 0.3);
# $a{at}{T} runs T seconds in (before that round).  While
# $self->{api_paused} no round is played (the emulator cannot answer).
sub drive {
    my ($self, %a) = @_;
    my $t0 = time;
    my %at = %{ $a{at} || {} };
    my $every = $a{every} || 0.3;
    while ((my $t = time - $t0) < $a{seconds}) {
        for my $k (sort { $a <=> $b } grep { $_ <= $t } keys %at) {
            (delete $at{$k})->();
        }
        $self->round unless $self->{api_paused};
        my $next = $t0 + $every * (int((time - $t0) / $every) + 1);
        sleep($next - time) if $next > time;
    }
    $_->() for map { $at{$_} } sort { $a <=> $b } keys %at;
}

sub unsettled {
    my ($self) = @_;
    my $s = $self->{s};
    my $pending = $s->api('GET', '/_ctl/webhook')->{pending_update_count} // 1;
    my ($unsent, $open, $jobs, $timers, $done) = split /\|/, $s->psql(
        "SELECT (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL), "
        . "(SELECT count(*) FROM payouts WHERE state NOT IN ('paid', 'failed', 'rejected')), "
        . "(SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'failed')), "
        . "(SELECT count(*) FROM timers WHERE due_at <= now()), "
        . "(SELECT count(*) FROM processed_updates)") || '';
    my $missing = keys(%{ $self->{sent} }) - ($done // 0);
    return ($pending, $unsent // 1, $open // 1, $jobs // 1, $timers // 1, $missing);
}

# what is left when the stack did not settle
sub dump {
    my ($self) = @_;
    my $s = $self->{s};
    Test::More::diag(join "\n", 'payouts (id state attempts signer error):',
        $s->psql("SELECT id, state, attempts, signer_id, coalesce(last_error, '') FROM payouts"),
        'open jobs (id kind state attempts owner lease error):',
        $s->psql("SELECT id, kind, state, attempts, owner, lease_until, coalesce(error, '') FROM jobs "
                 . "WHERE state NOT IN ('done', 'failed')"),
        'unsent replies:', $s->psql("SELECT id, chat_id, method, owner, lease_until, "
                                    . "coalesce(last_error, '') FROM outbox WHERE sent_at IS NULL "
                                    . "AND failed_at IS NULL LIMIT 5"),
        'due timers:', $s->psql("SELECT id, chat_id, kind, payload FROM timers WHERE due_at <= now()"),
        'NEAR keys in Redis:', map { "$_ = " . $s->redis->cli('PTTL', $_) . ' ms' }
                                   grep { length } $s->redis->cli('KEYS', 'mm:near:*'));
}

# each change of a payout row, for the diagnosis of a slow one
sub _payout_history {
    my ($self) = @_;
    for my $row ($self->{s}->psql("SELECT id, state, attempts, coalesce(tx_hash, ''), "
                                  . "coalesce(last_error, ''), updated_at FROM payouts")) {
        my ($id) = split /\|/, $row;
        next if ($self->{payout_seen}{$id} // '') eq $row;
        $self->{payout_seen}{$id} = $row;
        push @{ $self->{payout_log} }, sprintf('%.1f s: %s', time - $self->{t0}, $row);
    }
}

# Waits (at most $timeout s) until the emulator has nothing left to
# deliver, every update it sent is processed, every reply sent, every
# payout and job final and no timer overdue; returns the seconds it took
# (undef: it did not).
sub settle {
    my ($self, $what, $timeout, %opt) = @_;
    my $t0 = time;
    my @names = ('updates to deliver', 'replies unsent', 'payouts open', 'jobs open',
                 'timers overdue', 'updates not processed');
    my (@u, %last);
    while (time - $t0 < ($timeout || 60)) {
        @u = eval { $self->unsettled };
        $self->_payout_history;
        @u[2, 3] = (0, 0) if @u && $opt{payouts_later};
        for my $i (0 .. $#u) { $last{ $names[$i] } = time - $t0 if $u[$i] }
        if (@u && !grep { $_ > 0 } @u) {
            Test::More::pass("settled $what");
            my ($slow) = sort { $last{$b} <=> $last{$a} } keys %last;
            Test::More::diag(sprintf('%s: settled in %.1f s%s', $what, time - $t0,
                                     $slow ? sprintf(', the last to clear: %s (%.1f s)', $slow, $last{$slow}) : ''));
            return time - $t0;
        }
        sleep 0.25;
    }
    Test::More::fail("settled $what");
    Test::More::diag(join ', ', map { "$names[$_] " . ($u[$_] // '?') } 0 .. $#names);
    $self->dump;
    return undef;
}

# the calls the bot made that reached a method (faults and floods aside),
# by method and parameters: [answered ok (or "not modified"), all]
sub _calls_by_key {
    my ($self) = @_;
    my %by;
    for my $c ($self->{s}->calls) {
        next if $c->{fault} || $c->{flood} || ($c->{via} // '') eq 'webhook_response';
        my $key = $c->{method} . ' ' . $Json->encode($c->{params} || {});
        my $ok = $c->{status} == 200
            || ($c->{response}{description} // '') =~ /message is not modified/;
        $by{$key}[0] += $ok ? 1 : 0;
        $by{$key}[1]++;
    }
    return \%by;
}

# Every promise, after a fault ($what names it in the test's output).
sub check {
    my ($self, $what, %opt) = @_;
    my $s = $self->{s};

    # updates: every one the emulator sent was acknowledged by the edge
    # (200; others are redelivered), is processed once, none dead
    my $d = $s->api('GET', '/_ctl/deliveries?since_ms=0')->{deliveries} || [];
    my (%acked, $refused);
    for (@$d) {
        if ($_->{ok} && ($_->{status} // 0) == 200) { $acked{ $_->{update_id} }++ }
        else { $refused++ }
    }
    my @sent = sort { $a <=> $b } keys %{ $self->{sent} };
    my @unacked = grep { !$acked{$_} } @sent;
    Test::More::is(scalar(@unacked), 0, "$what: every update the test sent was acknowledged by the edge")
        or Test::More::diag("not acknowledged: @unacked[0 .. ($#unacked < 9 ? $#unacked : 9)]");
    my %done = map { $_ => 1 } $s->psql('SELECT update_id FROM processed_updates');
    my @lost = grep { !$done{$_} } sort { $a <=> $b } keys %acked;
    Test::More::is(scalar(@lost), 0, "$what: every acknowledged update was processed ("
                   . scalar(keys %acked) . ')')
        or Test::More::diag("acknowledged, never processed: @lost[0 .. ($#lost < 9 ? $#lost : 9)]");
    my @extra = grep { !$acked{$_} } keys %done;
    Test::More::is(scalar(@extra), 0, "$what: nothing processed that the edge did not acknowledge");
    my $twice = grep { $acked{$_} > 1 } keys %acked;
    my $dead = $s->redis->cli('XLEN', 'mm:updates:dead');
    Test::More::is($dead, 0, "$what: no update dead-lettered")
        or Test::More::diag(join "\n", $s->redis->cli('XRANGE', 'mm:updates:dead', '-', '+', 'COUNT', 3));

    # effects once: answers, points, counters
    Test::More::is($s->psql('SELECT count(*) FROM (SELECT 1 FROM answers GROUP BY session_id, seq '
                            . 'HAVING count(*) > 1) d'), 0, "$what: no question answered twice");
    Test::More::is($s->psql('SELECT count(*) FROM (SELECT 1 FROM points_ledger GROUP BY reason '
                            . 'HAVING count(*) > 1) d'), 0, "$what: no points given twice");
    Test::More::is($s->psql('SELECT count(*) FROM users u WHERE points_total <> coalesce((SELECT '
                            . 'sum(points) FROM points_ledger l WHERE l.user_id = u.id), 0)'),
                   0, "$what: point totals match the ledger");
    Test::More::is($s->psql('SELECT count(*) FROM users u WHERE answers_total <> (SELECT count(*) '
                            . 'FROM answers a WHERE a.user_id = u.id)'),
                   0, "$what: answer counts match the answers");
    Test::More::is($s->psql("SELECT count(*) FROM answers a WHERE NOT EXISTS (SELECT 1 FROM "
                            . "points_ledger l WHERE l.reason = 'answer:' || a.session_id || ':' "
                            . "|| a.seq) AND a.points > 0"),
                   0, "$what: every scoring answer has its points");

    Test::More::is($s->psql('SELECT count(*) FROM (SELECT session_id FROM answers GROUP BY 1 '
                            . 'HAVING max(seq) <> count(*)) g'),
                   0, "$what: each run's answers are questions 1..k, none skipped");
    Test::More::is($s->psql('SELECT count(*) FROM play_sessions p WHERE points <> coalesce((SELECT '
                            . 'sum(points) FROM answers a WHERE a.session_id = p.id), 0)'),
                   0, "$what: each run's points are the sum of its answers");
    my ($answers, $runs, $finished) = split /\|/, $s->psql(
        "SELECT (SELECT count(*) FROM answers), (SELECT count(*) FROM play_sessions), "
        . "(SELECT count(*) FROM play_sessions WHERE state = 'finished')");

    # replies: every outbox row sent, and seen by the emulator
    my @rows = $s->psql("SELECT id, method, params::text, sent_at IS NOT NULL, "
                        . "coalesce(last_error, '') FROM outbox");
    my %rows;
    my ($unsent, @why) = (0);
    for (@rows) {
        my ($id, $method, $params, $sent, $err) = split /\|/, $_, 5;
        $rows{ $method . ' ' . $Json->encode($Json->decode($params)) }++;
        next if $sent eq 't';
        $unsent++;
        push @why, "$id $method: $err" if @why < 5;
    }
    Test::More::is($unsent, 0, "$what: every reply in the outbox was sent ("
                   . scalar(@rows) . ' rows)') or Test::More::diag(join "\n", @why);
    my $calls = $self->_calls_by_key;
    my ($missing, $dupes) = (0, 0);
    for my $k (keys %rows) {
        my $got = $calls->{$k} ? $calls->{$k}[0] : 0;
        $missing += $rows{$k} - $got if $got < $rows{$k};
        $dupes += ($calls->{$k}[1] - $rows{$k}) if $calls->{$k} && $calls->{$k}[1] > $rows{$k};
    }
    Test::More::is($missing, 0, "$what: every reply reached the Bot API");
    if (defined $opt{max_dupes}) {
        Test::More::cmp_ok($dupes, '<=', $opt{max_dupes},
                           "$what: replies sent twice ($dupes) only those in flight at the fault");
    } else {
        Test::More::is($dupes, 0, "$what: no reply sent twice");
    }

    # each chat's replies in order: the answers to /cN (one round each) and
    # /bN (a burst) come in the order of N (a reply sent twice repeats in place)
    my ($chats, $ordered, @disorder) = (0, 0);
    for my $u (@{ $self->{players} }) {
        my %seq;
        for my $c ($s->calls(chat_id => $u->{id}, method => 'sendMessage')) {
            next unless $c->{status} == 200;
            push @{ $seq{$1} }, $2 if ($c->{params}{text} // '') =~ m{^I don't know /([bc])(\d+)\.};
        }
        $chats++;
        my $ok = 1;
        for my $k (keys %seq) {
            my @n = @{ $seq{$k} };
            for my $i (1 .. $#n) {
                next if $n[$i] >= $n[$i - 1];
                $ok = 0;
                push @disorder, "chat $u->{id}: /$k$n[$i] after /$k$n[$i - 1]" if @disorder < 5;
            }
        }
        $ordered += $ok;
    }
    Test::More::is($ordered, $chats, "$what: every chat got its replies in order")
        or Test::More::diag(join "\n", @disorder);

    # payouts: final, each paid by one transaction on the node, none doubled
    my @pay = $s->psql("SELECT id, state, coalesce(tx_hash, ''), signer_id, recipient FROM payouts "
                       . "WHERE signer_id IS NOT NULL ORDER BY id");
    my @txs = @{ $self->{node}->state->{txs} };
    my ($final, $one, %pairs) = (0, 0);
    for (@pay) {
        my ($id, $state, $hash, $signer, $to) = split /\|/;
        $final++ if $state eq 'paid';
        $pairs{"$signer $to"}++;
        $one++ if 1 == grep { $_->{hash} eq $hash && $_->{status} eq 'success' } @txs;
    }
    my $extra = 0;
    for my $pair (keys %pairs) {
        my ($signer, $to) = split / /, $pair;
        my $n = grep { $_->{signer_id} eq $signer && $_->{receiver_id} eq $to
                       && $_->{status} eq 'success' } @txs;
        $extra += $n - $pairs{$pair} if $n > $pairs{$pair};
    }
    my $want = @{ $self->{withdrawals} || [] };
    Test::More::is(scalar(@pay), $want, "$what: one payout per confirmed withdrawal ($want)");
    my $paid = grep { (split /\|/)[1] eq 'paid' } @pay;
    if ($opt{payouts_final}) {
        Test::More::is($final, scalar(@pay), "$what: every payout paid");
        Test::More::is($one, scalar(@pay), "$what: each by its own transaction on the node");
    } else {
        Test::More::is($one, $paid, "$what: each paid payout by its own transaction on the node");
    }
    Test::More::is($extra, 0, "$what: and no other transfer from the wallets (none doubled)");
    for my $w (@{ $self->{withdrawals} || [] }) {
        next if $w->{told};
        my @said = grep { ($_->{params}{text} // '') =~ /Sent \Q$w->{amount}\E NEAR to|withdrawal could not be sent just now|On its way: \Q$w->{amount}\E NEAR/ }
                   $s->calls(chat_id => $w->{user}{id}, method => 'sendMessage');
        Test::More::ok(scalar(@said), "$what: $w->{user}{first_name} was told how the $w->{amount} NEAR withdrawal went")
            or next;
        $w->{told} = 1;
        Test::More::diag("$what: $w->{user}{first_name} was told: $said[0]{params}{text}")
            if $said[0]{params}{text} !~ /Sent/;
    }

    Test::More::diag(sprintf('%s: %d updates sent, %d acknowledged (%d twice), %d refused '
                             . 'deliveries redelivered; %d replies, %d sent more than once; '
                             . '%d payouts, %d paid; %d answers in %d runs (%d finished)', $what,
                             scalar(@sent), scalar(keys %acked), $twice, $refused // 0,
                             scalar(@rows), $dupes, scalar(@pay), $paid, $answers, $runs, $finished));
    if ($opt{payout_within}) {
        my @slow = $s->psql("SELECT id || ' (' || signer_id || ', ' || round(extract(epoch FROM "
                            . "updated_at - created_at)::numeric, 1) || ' s)' FROM payouts WHERE "
                            . "state <> 'paid' OR updated_at - created_at > "
                            . "$opt{payout_within} * interval '1 s'");
        Test::More::is("@slow", '', "$what: every withdrawal paid within $opt{payout_within} s "
                       . 'of its confirmation (the stores were out for 2 s)')
            or Test::More::diag(join "\n", @{ $self->{payout_log} || [] });
    }
    if ($opt{payouts_final}) {
        Test::More::diag("$what: payout $_") for $s->psql(
            "SELECT id || ' ' || signer_id || ' ' || state || ' after ' || "
            . "round(extract(epoch FROM updated_at - created_at)::numeric, 1) || ' s' FROM payouts ORDER BY id");
    }
    return { dupes => $dupes };
}

# nginx answers /healthz 200 (Redis is back at the edge)
sub edge_up {
    my ($self) = @_;
    my $r = HTTP::Tiny->new(timeout => 2)->get("http://127.0.0.1:$self->{s}{edge_port}/healthz");
    return $r->{status} == 200;
}

# The end: the processes the test started are the ones still running
# (nothing restarted by hand), every worker log line is JSON, and no log
# holds the token or a key.
sub finish {
    my ($self) = @_;
    my $s = $self->{s};
    my @alive = grep { kill 0, $_ } @{ $self->{pids} }, $self->{nginx_pid};
    Test::More::is(scalar(@alive), 3, 'both workers and nginx ran throughout, never restarted');
    Test::More::is_deeply([map { $s->{workers}{$_} } 0, 1], $self->{pids},
                          'the workers are the ones started at the beginning');
    Test::More::is($s->stop_worker(0), 0, 'worker 0 stops cleanly');
    Test::More::is($s->stop_worker(1), 0, 'worker 1 stops cleanly');
    my ($lines, @bad, @mute) = (0);
    for my $log (glob($s->dir . '/logs/worker*.log')) {
        open my $fh, '<', $log or next;
        while (my $line = <$fh>) {
            $lines++;
            my $o = eval { $Json->decode($line) };
            push @bad, "$log:$.: $line" unless ref $o eq 'HASH' && $o->{ts} && $o->{level} && defined $o->{msg};
            # "ending withdraw job 6: job_end: " said what failed, not why
            push @mute, "$log:$.: $line" if ref $o eq 'HASH' && ($o->{msg} // '') =~ /:\s*$/;
        }
    }
    Test::More::ok($lines > 20, "the workers logged ($lines lines)");
    Test::More::is(scalar(@bad), 0, 'every worker log line is a JSON object with ts, level, msg')
        or Test::More::diag(join '', @bad[0 .. ($#bad < 4 ? $#bad : 4)]);
    Test::More::is(scalar(@mute), 0, 'no logged error ends without its reason')
        or Test::More::diag(join '', @mute[0 .. ($#mute < 4 ? $#mute : 4)]);
    my @logs = (glob($s->dir . '/logs/*'), glob($s->dir . '/nginx/logs/*'), glob($s->dir . '/*.log'));
    my $all = join '', map { open my $fh, '<', $_; local $/; <$fh> // '' } @logs;
    my %secret = (token => $MM::Stack::Token, 'the operator key' => $self->{master}{secret_key},
                  'the sealing key' => $Seal);
    my @found = grep { index($all, $secret{$_}) >= 0 } sort keys %secret;
    Test::More::is("@found", '', 'no log holds the token, the operator key or the sealing key');
    Test::More::is(scalar(() = $all =~ /ed25519:[1-9A-HJ-NP-Za-km-z]{80,}/g), 0,
                   'nor anything shaped like a secret key');
    my $out = `perl scripts/no-secrets.pl 2>&1`;
    Test::More::unlike($out, qr/servroot-\Q$s->{name}\E\//, 'scripts/no-secrets.pl finds nothing in our logs')
        or Test::More::diag($out);
    $self->{node}->stop;
    $s->stop;
}

1;
