import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HandlerExplorer } from './handler-explorer';

/** Wires decorated handlers to whichever bus and queue adapters the process provides. */
@Module({ imports: [DiscoveryModule], providers: [HandlerExplorer] })
export class MessagingModule {}
