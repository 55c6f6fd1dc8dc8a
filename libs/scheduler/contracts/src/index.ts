export * from './lib/connectors-poll.contracts';
export * from './lib/schedule.contracts';
export * from './lib/scheduler-events.contracts';
export * from './lib/timer.contracts';
