package MM::QuizTest;

# What the group-quiz suites do with the bot through the Bot API emulator:
# speak in a chat and get the bot's next messages, press a button on a
# message the bot sent (or edited), wait for a text, pick an answer.
#
#   my $q = MM::QuizTest->new($stack);
#   my ($reply) = $q->say_in($user, '/createquiz', $group);
#   my ($edit) = $q->press_for($user, $reply, $data, 'editMessageText');

use strict;
use warnings;
use List::Util qw(first);
use Time::HiRes qw(sleep time);

sub new { my ($class, $s) = @_; bless { s => $s }, $class }

sub buttons { map { @$_ } @{ $_[1]{params}{reply_markup}{inline_keyboard} || [] } }

# the first button whose text matches $re
sub button {
    my ($self, $call, $re) = @_;
    return first { $_->{text} =~ $re } $self->buttons($call);
}

# the bot's next $n calls of $method (sendMessage) to $chat after $do ran
sub next_sent {
    my ($self, $chat, $do, $n, $method) = @_;
    my $s = $self->{s};
    my @before = $s->calls(chat_id => $chat, method => $method || 'sendMessage');
    $do->();
    my @c = $s->wait_calls(chat_id => $chat, method => $method || 'sendMessage',
                           count => @before + ($n || 1));
    return @c[@before .. $#c];
}

# $user says $text in $chat (a group object), or in private chat
sub say_in {
    my ($self, $user, $text, $chat, $n) = @_;
    return $self->next_sent($chat ? $chat->{id} : $user->{id},
                            sub { $self->{s}->user_message($user, $text, $chat) }, $n);
}

# presses $data on the message $call sent or edited; what the press made the
# bot do: its next $n calls of $method to that chat
sub press_for {
    my ($self, $user, $call, $data, $method, $n) = @_;
    my $msg = $call->{response}{result};
    $msg = { chat => { id => $call->{params}{chat_id} }, message_id => $call->{params}{message_id} }
        if ref $msg ne 'HASH';
    return $self->next_sent($msg->{chat}{id}, sub { $self->{s}->press($user, $msg, $data) }, $n,
                            $method);
}

# the first call of $method (sendMessage) to $chat whose text matches $re,
# waiting up to $timeout s
sub wait_text {
    my ($self, $chat, $re, $timeout, $method) = @_;
    my $until = time + ($timeout || 20);
    while (1) {
        my ($c) = grep { ($_->{params}{text} // '') =~ $re }
                  $self->{s}->calls(chat_id => $chat, method => $method || 'sendMessage');
        return $c if $c || time > $until;
        sleep 0.2;
    }
}

# the right (or a wrong) answer button of a question message, from the
# database (what a scripted player presses; checks recompute it elsewhere)
sub answer_button {
    my ($self, $call, $right) = @_;
    my @b = grep { $_->{callback_data} =~ /^a:/ } $self->buttons($call);
    my ($sid, $n) = $b[0]{callback_data} =~ /^a:(\d+):(\d+):/;
    my $pos = $self->{s}->psql("SELECT array_position(sq.perm, q.correct::smallint) - 1 "
                               . "FROM session_questions sq JOIN questions q ON q.id = sq.question_id "
                               . "WHERE session_id = $sid AND seq = $n");
    return $right ? $b[$pos] : $b[($pos + 1) % 4];
}

# question $k of a run, the moment the bot sent it to $user (a long poll),
# among the messages after the first $since
sub question {
    my ($self, $user, $k, $since, $timeout) = @_;
    my $s = $self->{s};
    my $until = time + ($timeout || 20);
    while (time < $until) {
        my @c = $s->calls(chat_id => $user->{id}, method => 'sendMessage');
        my ($q) = grep { $_->{params}{text} =~ /^<b>Question $k\/\d+<\/b>\n\n/ }
                  @c[($since || 0) .. $#c];
        return $q if $q;
        $s->api('GET', "/_ctl/wait?chat_id=$user->{id}&method=sendMessage&count="
                       . (@c + 1) . '&timeout_ms=1000');
    }
    return undef;
}

# $user opens quiz $id's link, presses 🚀 Start and answers by @$plan (1:
# right, 0: wrong), waiting $think s before each press; the presses made
sub play {
    my ($self, $user, $id, $plan, $think) = @_;
    my $since = () = $self->{s}->calls(chat_id => $user->{id}, method => 'sendMessage');
    my ($card) = $self->say_in($user, "/start quiz_$id");
    $self->press_for($user, $card, "q:s:$id", 'sendMessage', 2);
    my @presses;
    for my $k (1 .. @$plan) {
        my $q = $self->question($user, $k, $since) or die "no question $k for $user->{id}";
        sleep $think if $think;
        my $b = $self->answer_button($q, $plan->[$k - 1]);
        $self->press_for($user, $q, $b->{callback_data}, 'editMessageText');
        push @presses, $b;
    }
    return @presses;
}

1;
