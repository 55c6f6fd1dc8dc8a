// The policy lives in platform/fence so that every outbound channel (connectors, the auth
// service's token calls) shares it; connectors keep importing it from the SDK.
export {
  AddressPolicy,
  AllowListError,
  Fence,
  FenceRefusal,
  canonicalHost,
  parseAllowList,
  platformListeners,
  unwrapMappedIPv4,
  type AllowEntry,
  type PlatformListener,
  type PlatformListenerEnv,
} from '@junction/platform/fence';
