import { Type, defineConnector } from '@junction/connector-sdk';
import { paginateAction } from './paginate.action';
import { newItemsTrigger } from './new-items.trigger';
import { requestAction } from './request.action';

/** Any REST API, authenticated from a connection of any kind. */
export const httpConnector = defineConnector({
  key: 'http',
  version: '1.0.0',
  displayName: 'HTTP',
  description: 'Call any HTTP API. Outbound calls are fenced: private, loopback and metadata addresses are refused unless allow-listed.',
  auth: [
    { kind: 'none' },
    { kind: 'api_key', in: 'header', name: 'x-api-key' },
    { kind: 'basic' },
    { kind: 'bearer' },
    { kind: 'oauth2', grant: 'authorization_code', tokenUrl: 'https://example.invalid/token' },
    // any named fields, all secret: the request action puts them where its input says
    { kind: 'custom', fields: Type.Record(Type.String(), Type.String({ writeOnly: true })) },
  ],
  actions: [requestAction, paginateAction],
  triggers: [newItemsTrigger],
});
