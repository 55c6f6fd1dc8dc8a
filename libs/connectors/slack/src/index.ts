export * from './lib/slack.connector';
