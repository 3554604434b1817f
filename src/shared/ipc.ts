// The IPC channel map. Every channel has a request and a response type; the
// check below fails compilation when a channel is added without a contract.
import type { z } from 'zod';
import { API, STATUS_PUSH_CHANNEL, type ApiName } from './api';
import type { StatusSnapshot } from './status';

type ChannelOf<K extends ApiName> = (typeof API)[K]['channel'];
export type IpcChannel = ChannelOf<ApiName> | typeof STATUS_PUSH_CHANNEL;

export type IpcContract = {
  [K in ApiName as ChannelOf<K>]: {
    request: z.input<(typeof API)[K]['request']>;
    response: z.infer<(typeof API)[K]['response']>;
  };
} & {
  [STATUS_PUSH_CHANNEL]: { request: never; response: StatusSnapshot };
};

// Compile-time: every channel has a contract with both sides.
type Missing = Exclude<IpcChannel, keyof IpcContract>;
type AssertNever<T extends never> = T;
export type _EveryChannelHasAContract = AssertNever<Missing>;
type WithoutBothSides = { [C in keyof IpcContract]: 'request' extends keyof IpcContract[C] ? ('response' extends keyof IpcContract[C] ? never : C) : C }[keyof IpcContract];
export type _EveryContractHasBothSides = AssertNever<WithoutBothSides>;

export const IPC_CHANNELS: readonly IpcChannel[] = [...Object.values(API).map((c) => c.channel), STATUS_PUSH_CHANNEL];

export function apiNameForChannel(channel: string): ApiName | null {
  for (const [name, call] of Object.entries(API)) if (call.channel === channel) return name as ApiName;
  return null;
}
