# make            build/ngx_mm_module.so and build/mm-worker
# make asan       the same module with AddressSanitizer and UBSan, build/asan/
# make unit       C unit tests (TAP, shared/tests/tap.h) under build/tests/
# make fuzz       libFuzzer targets: the update check, the worker's parsers (clang)
# make test       every test: scripts/test.sh

BUILD      ?= build
CC         ?= cc
WARN       := -Wall -Wextra -Werror
HARDEN     := -g -O2 -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2
SANITIZE   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer

MODULE_SRCS := config $(wildcard ngx_mm_module/*.[ch]) $(wildcard shared/*.[ch])
SHARED_SRCS := $(wildcard shared/*.c)
WORKER_DIRS := worker worker/bank worker/bot worker/cli worker/chain worker/engine worker/ingest worker/log worker/quiz \
               worker/sched worker/store worker/telegram
WORKER_SRCS := $(foreach d,$(WORKER_DIRS),$(wildcard $(d)/*.c))
WORKER_LIBS := -lhiredis -ljansson -lsodium -lcrypto -lcurl -lpq -lpthread -lm
MIGRATIONS  := $(wildcard migrations/*.sql)
BANK        := $(wildcard worker/quiz/bank/*.jsonl)

.PHONY: all asan unit fuzz bench-sign bench-engine test clean

all: $(BUILD)/ngx_mm_module.so $(BUILD)/mm-worker

# nginx builds the module from its own configured tree
$(BUILD)/ngx/objs/Makefile: config scripts/configure-module.sh
	scripts/configure-module.sh $(BUILD)/ngx "$(HARDEN) $(WARN)" \
	    "-Wl,-z,relro -Wl,-z,now -fPIC"

$(BUILD)/ngx_mm_module.so: $(BUILD)/ngx/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -s -C $(BUILD)/ngx -f objs/Makefile modules
	cp $(BUILD)/ngx/objs/ngx_mm_module.so $@

asan: $(BUILD)/asan/ngx_mm_module.so $(BUILD)/asan/mm-worker

$(BUILD)/asan/ngx/objs/Makefile: config scripts/configure-module.sh
	scripts/configure-module.sh $(BUILD)/asan/ngx \
	    "-g -O1 -fPIC $(SANITIZE) $(WARN)" "-fPIC $(SANITIZE)"

$(BUILD)/asan/ngx_mm_module.so: $(BUILD)/asan/ngx/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -s -C $(BUILD)/asan/ngx -f objs/Makefile modules
	cp $(BUILD)/asan/ngx/objs/ngx_mm_module.so $@

$(BUILD)/gen/mm_migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(BUILD)/gen
	scripts/embed-migrations.sh $@

$(BUILD)/gen/mm_bank.c: $(BANK) scripts/embed-bank.sh
	@mkdir -p $(BUILD)/gen
	scripts/embed-bank.sh $@

PG_INCLUDE  := -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
WORKER_GEN  := $(BUILD)/gen/mm_migrations.c $(BUILD)/gen/mm_bank.c $(BUILD)/gen/mm_words.c

$(BUILD)/gen/mm_words.c: $(wildcard worker/engine/words/*.txt) scripts/embed-words.sh
	@mkdir -p $(BUILD)/gen
	scripts/embed-words.sh $@

$(BUILD)/mm-worker: $(WORKER_SRCS) $(SHARED_SRCS) $(WORKER_GEN) \
                    $(wildcard worker/*.h worker/*/*.h shared/*.h)
	@mkdir -p $(BUILD)
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(HARDEN) $(WARN) -Ishared -Iworker $(PG_INCLUDE) \
	    $(WORKER_SRCS) $(SHARED_SRCS) $(WORKER_GEN) $(WORKER_LIBS) -o $@

# the same worker with AddressSanitizer and UBSan, for the end-to-end tests
$(BUILD)/asan/mm-worker: $(WORKER_SRCS) $(SHARED_SRCS) $(WORKER_GEN) \
                         $(wildcard worker/*.h worker/*/*.h shared/*.h)
	@mkdir -p $(BUILD)/asan
	$(CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 $(SANITIZE) $(WARN) -Ishared -Iworker \
	    $(PG_INCLUDE) $(WORKER_SRCS) $(SHARED_SRCS) $(WORKER_GEN) $(WORKER_LIBS) -o $@

UNIT_TESTS := $(BUILD)/tests/test_mm_json $(BUILD)/tests/test_mm_ct \
              $(BUILD)/tests/test_chain $(BUILD)/tests/test_bot $(BUILD)/tests/test_engine \
              $(BUILD)/tests/test_store

unit: $(UNIT_TESTS)

CHAIN_SRCS := $(filter-out worker/chain/%_cli.c worker/chain/mm_ledger.c worker/chain/mm_deposit.c \
                          worker/chain/mm_chain_jobs.c worker/chain/mm_payer.c worker/chain/mm_chain_fund.c,\
                          $(wildcard worker/chain/*.c)) \
              worker/log/mm_metrics.c worker/log/mm_log.c worker/mm_config.c worker/mm_utf8.c

$(BUILD)/tests/test_chain: worker/tests/test_chain.c $(CHAIN_SRCS) $(wildcard worker/chain/*.h)
	@mkdir -p $(BUILD)/tests
	$(CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 $(SANITIZE) $(WARN) -Iworker -Ishared $< \
	    $(CHAIN_SRCS) -lhiredis -ljansson -lsodium -lcrypto -lcurl -o $@

$(BUILD)/tests/test_store: worker/tests/test_store.c worker/store/mm_sql.c worker/store/mm_sql.h
	@mkdir -p $(BUILD)/tests
	$(CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 $(SANITIZE) $(WARN) -Iworker $< worker/store/mm_sql.c -o $@

# the worker's pure parts; quiz/ is pure, so linked whole
QUIZ_SRCS := $(filter-out %_cli.c,$(wildcard worker/quiz/*.c)) worker/mm_buf.c worker/mm_utf8.c
BOT_UNIT_SRCS := worker/telegram/mm_update.c $(QUIZ_SRCS) \
                 worker/telegram/mm_html.c worker/telegram/mm_flood.c \
                 worker/log/mm_log.c worker/telegram/mm_tg.c worker/mm_ctx.c \
                 worker/bot/mm_callback.c shared/mm_json.c

$(BUILD)/tests/test_bot: worker/tests/test_bot.c $(BOT_UNIT_SRCS) \
                         $(wildcard worker/*.h worker/*/*.h)
	@mkdir -p $(BUILD)/tests
	$(CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 $(SANITIZE) $(WARN) -Iworker -Ishared $< \
	    $(BOT_UNIT_SRCS) -ljansson -lcurl -lcrypto -o $@

ENGINE_UNIT_SRCS := worker/engine/mm_llm_output.c worker/engine/mm_words.c \
                    worker/engine/mm_difficulty.c $(QUIZ_SRCS) $(BUILD)/gen/mm_words.c

$(BUILD)/tests/test_engine: worker/tests/test_engine.c $(ENGINE_UNIT_SRCS) $(wildcard worker/*/*.h)
	@mkdir -p $(BUILD)/tests
	$(CC) -std=c11 -D_DEFAULT_SOURCE -g -O1 $(SANITIZE) $(WARN) -Iworker -Ishared $< \
	    $(ENGINE_UNIT_SRCS) -ljansson -lcrypto -lm -o $@

$(BUILD)/tests/test_%: shared/tests/test_%.c $(SHARED_SRCS) $(wildcard shared/*.h)
	@mkdir -p $(BUILD)/tests
	$(CC) -std=c99 -g -O1 $(SANITIZE) $(WARN) -Ishared $< $(SHARED_SRCS) \
	    -ljansson -o $@

# libFuzzer targets (clang and libclang-rt-14-dev): the update check in
# shared/, and the worker's parsers in worker/tests/fuzz/ (README there).
# scripts/test.sh runs each for 8 s on a copy of its seeds (scripts/fuzz.sh 8);
# deeper: scripts/fuzz.sh 600 update amount (or any targets by name)
FUZZ_CC    := clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(WARN)
FUZZ_WORKER = $(FUZZ_CC) -std=c11 -D_DEFAULT_SOURCE $(FUZZ_FLAGS) -Iworker -Ishared \
              $(filter %.c,$^)
FUZZ_DEPS  := worker/tests/fuzz/fuzz.h $(wildcard worker/*.h worker/*/*.h)
FUZZ_NAMES := mm_json update answer_data llm_output base58 borsh amount near_rpc tg

fuzz: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz_%)

$(BUILD)/tests/fuzz_mm_json: shared/tests/fuzz_mm_json.c shared/mm_json.c shared/mm_json.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c99 $(FUZZ_FLAGS) -Ishared shared/mm_json.c $< -o $@

$(BUILD)/tests/fuzz_update: worker/tests/fuzz/fuzz_update.c worker/telegram/mm_update.c \
                            shared/mm_json.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -ljansson -o $@

$(BUILD)/tests/fuzz_answer_data: worker/tests/fuzz/fuzz_answer_data.c worker/bot/mm_callback.c \
                                 worker/mm_utf8.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -o $@

$(BUILD)/tests/fuzz_llm_output: worker/tests/fuzz/fuzz_llm_output.c worker/engine/mm_llm_output.c \
                                worker/engine/mm_words.c worker/quiz/mm_question.c worker/mm_buf.c \
                                worker/mm_utf8.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -ljansson -lcrypto -lm -o $@

$(BUILD)/tests/fuzz_base58: worker/tests/fuzz/fuzz_base58.c worker/chain/mm_base58.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -o $@

$(BUILD)/tests/fuzz_borsh: worker/tests/fuzz/fuzz_borsh.c worker/chain/mm_borsh.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -o $@

$(BUILD)/tests/fuzz_amount: worker/tests/fuzz/fuzz_amount.c worker/chain/mm_chain_config.c \
                            worker/chain/mm_near_key.c worker/chain/mm_borsh.c \
                            worker/chain/mm_base58.c worker/mm_config.c worker/log/mm_log.c \
                            worker/mm_utf8.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -lsodium -o $@

# links a fake libcurl (in the target) instead of -lcurl: no socket at all
$(BUILD)/tests/fuzz_near_rpc: worker/tests/fuzz/fuzz_near_rpc.c worker/chain/mm_near_rpc.c \
                              worker/log/mm_metrics.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -lhiredis -ljansson -lsodium -o $@

$(BUILD)/tests/fuzz_tg: worker/tests/fuzz/fuzz_tg.c worker/telegram/mm_tg.c worker/mm_ctx.c \
                        worker/log/mm_log.c worker/mm_buf.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_WORKER) -ljansson -lcurl -o $@

# signing throughput of the chain layer (bench/near_sign_bench.c)
bench-sign: $(BUILD)/bench/near_sign_bench

$(BUILD)/bench/near_sign_bench: bench/near_sign_bench.c $(CHAIN_SRCS) $(wildcard worker/chain/*.h)
	@mkdir -p $(BUILD)/bench
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(HARDEN) $(WARN) -Iworker -Ishared $< $(CHAIN_SRCS) \
	    -lhiredis -ljansson -lsodium -lcrypto -lcurl -o $@

# the quiz engine's overhead and serving latency (bench/engine.pl runs it)
bench-engine: $(BUILD)/bench/engine_bench

$(BUILD)/bench/engine_bench: bench/engine_bench.c $(WORKER_SRCS) $(SHARED_SRCS) $(WORKER_GEN) \
                             $(wildcard worker/*.h worker/*/*.h)
	@mkdir -p $(BUILD)/bench
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(HARDEN) $(WARN) -Ishared -Iworker $(PG_INCLUDE) $< \
	    $(filter-out worker/mm_worker.c worker/cli/%.c,$(WORKER_SRCS)) $(SHARED_SRCS) $(WORKER_GEN) \
	    $(WORKER_LIBS) -o $@

test:
	scripts/test.sh

clean:
	rm -rf $(BUILD)
