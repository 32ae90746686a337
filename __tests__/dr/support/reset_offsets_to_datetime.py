"""Offline stand-in for `kafka-consumer-groups.sh --reset-offsets --to-datetime ... --execute`.

librdkafka's mock cluster (the drill's broker) cannot look offsets up by time, so each partition is
scanned for the first message whose timestamp is at or after the given time (the end offset when
there is none), exactly what --to-datetime resolves to; the offsets are then committed as a member
of the group, which must have no other member, as with the real tool (the mock cannot describe
groups, so the caller waits out the old members' session timeout first).
Usage: reset_offsets_to_datetime.py BOOTSTRAP GROUP TOPIC EPOCH_MS
"""
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

bootstrap, group, topic, at_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

# Short fetch waits: the scan reads a few hundred messages, partition by partition, and the
# default 500 ms fetch wait would be paid at every partition's end.
scanner = Consumer({'bootstrap.servers': bootstrap, 'group.id': group + '.scan', 'enable.auto.commit': False,
                    'fetch.wait.max.ms': 10})
partitions = sorted(scanner.list_topics(topic, timeout=10).topics[topic].partitions)
targets = []
for p in partitions:
    low, high = scanner.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
    target = high
    if high > low:
        scanner.assign([TopicPartition(topic, p, OFFSET_BEGINNING)])
        while True:
            m = scanner.poll(5)
            if m is None or m.error():
                raise SystemExit(f'cannot read {topic}[{p}]: {m.error() if m else "timeout"}')
            if m.timestamp()[1] >= at_ms:
                target = m.offset()
                break
            if m.offset() >= high - 1:
                break
    targets.append(TopicPartition(topic, p, target))
scanner.close()

# Join the group to commit as its member. A member that joins while an expired one still counts
# can wait for a whole rebalance timeout on the mock: leave and join again instead.
deadline = time.time() + 60
while True:
    assigned = []
    committer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
                          'session.timeout.ms': 6000, 'max.poll.interval.ms': 6000})
    committer.subscribe([topic], on_assign=lambda c, parts: assigned.extend(parts))
    attempt_end = time.time() + 8
    while not assigned and time.time() < attempt_end:
        committer.poll(0.2)
    if assigned:
        break
    committer.close()
    if time.time() > deadline:
        raise SystemExit(f'group {group} did not assign {topic}: does it still have active members?')
committer.commit(offsets=targets, asynchronous=False)
committer.close()
print(' '.join(f'{t.partition}:{t.offset}' for t in targets))
