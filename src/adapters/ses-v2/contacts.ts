/** SES v2 contact lists and contacts (list management). */
import type { ContactView, TopicPreference } from '../../core/index.ts';
import { decodeToken, encodeToken, op, type V2Handler } from './handler.ts';
import { pageSize } from './templates.ts';

interface TopicInput {
  TopicName: string;
  DisplayName: string;
  Description?: string;
  DefaultSubscriptionStatus: 'OPT_IN' | 'OPT_OUT';
}

interface PreferenceInput {
  TopicName: string;
  SubscriptionStatus: 'OPT_IN' | 'OPT_OUT';
}

const topics = (list: TopicInput[] | undefined) =>
  list?.map((t) => ({
    name: t.TopicName,
    displayName: t.DisplayName,
    description: t.Description ?? null,
    defaultSubscriptionStatus: t.DefaultSubscriptionStatus,
  }));

const preferences = (list: PreferenceInput[] | undefined): TopicPreference[] | undefined =>
  list?.map((p) => ({ topicName: p.TopicName, subscriptionStatus: p.SubscriptionStatus }));

const preferencesOut = (list: TopicPreference[]) =>
  list.map((p) => ({ TopicName: p.topicName, SubscriptionStatus: p.subscriptionStatus }));

interface ContactInput {
  ContactListName: string;
  EmailAddress: string;
  TopicPreferences?: PreferenceInput[];
  UnsubscribeAll?: boolean;
  AttributesData?: string;
}

const contactInput = (i: ContactInput) => ({
  topicPreferences: preferences(i.TopicPreferences),
  unsubscribeAll: i.UnsubscribeAll,
  attributes: i.AttributesData,
});

function contactSummary(c: ContactView) {
  return {
    EmailAddress: c.email,
    TopicPreferences: preferencesOut(c.topicPreferences),
    TopicDefaultPreferences: preferencesOut(c.topicDefaultPreferences),
    UnsubscribeAll: c.unsubscribeAll,
    LastUpdatedTimestamp: new Date(c.updatedAt),
  };
}

export const contactHandlers: Record<string, V2Handler> = {
  CreateContactList: op<{
    ContactListName: string;
    Topics?: TopicInput[];
    Description?: string;
    Tags?: { Key: string; Value: string }[];
  }>(async (ctx, input) => {
    await ctx.core.contacts.createList(ctx.caller.accountId, {
      name: input.ContactListName,
      description: input.Description,
      topics: topics(input.Topics),
      tags: input.Tags?.map((t) => ({ key: t.Key, value: t.Value })),
    });
    return {};
  }),

  GetContactList: op<{ ContactListName: string }>(async (ctx, input) => {
    const accountId = ctx.caller.accountId;
    const list = await ctx.core.contacts.getList(accountId, input.ContactListName);
    const tags = await ctx.core.tags.listForResource(accountId, ctx.core.contacts.arn(accountId, list.name));
    return {
      ContactListName: list.name,
      Topics: list.topics.map((t) => ({
        TopicName: t.name,
        DisplayName: t.displayName,
        ...(t.description !== null ? { Description: t.description } : {}),
        DefaultSubscriptionStatus: t.defaultSubscriptionStatus,
      })),
      ...(list.description !== null ? { Description: list.description } : {}),
      CreatedTimestamp: new Date(list.createdAt),
      LastUpdatedTimestamp: new Date(list.updatedAt),
      Tags: tags.map((t) => ({ Key: t.key, Value: t.value })),
    };
  }),

  ListContactLists: op<{ PageSize?: number; NextToken?: string }>(async (ctx, input) => {
    const page = await ctx.core.contacts.lists(
      ctx.caller.accountId,
      decodeToken(input.NextToken),
      pageSize(input.PageSize, 1000, 1000),
    );
    return {
      ContactLists: page.items.map((l) => ({
        ContactListName: l.name,
        LastUpdatedTimestamp: new Date(l.updatedAt),
      })),
      NextToken: encodeToken(page.next),
    };
  }),

  UpdateContactList: op<{ ContactListName: string; Topics?: TopicInput[]; Description?: string }>(
    async (ctx, input) => {
      await ctx.core.contacts.updateList(ctx.caller.accountId, input.ContactListName, {
        description: input.Description,
        topics: topics(input.Topics),
      });
      return {};
    },
  ),

  DeleteContactList: op<{ ContactListName: string }>(async (ctx, input) => {
    await ctx.core.contacts.deleteList(ctx.caller.accountId, input.ContactListName);
    return {};
  }),

  CreateContact: op<ContactInput>(async (ctx, input) => {
    await ctx.core.contacts.createContact(
      ctx.caller.accountId,
      input.ContactListName,
      input.EmailAddress,
      contactInput(input),
    );
    return {};
  }),

  GetContact: op<{ ContactListName: string; EmailAddress: string }>(async (ctx, input) => {
    const c = await ctx.core.contacts.getContact(
      ctx.caller.accountId,
      input.ContactListName,
      input.EmailAddress,
    );
    return {
      ContactListName: c.listName,
      ...contactSummary(c),
      ...(c.attributes !== null ? { AttributesData: c.attributes } : {}),
      CreatedTimestamp: new Date(c.createdAt),
    };
  }),

  ListContacts: op<{
    ContactListName: string;
    Filter?: {
      FilteredStatus?: 'OPT_IN' | 'OPT_OUT';
      TopicFilter?: { TopicName?: string; UseDefaultIfPreferenceUnavailable?: boolean };
    };
    PageSize?: number;
    NextToken?: string;
  }>(async (ctx, input) => {
    const page = await ctx.core.contacts.listContacts(
      ctx.caller.accountId,
      input.ContactListName,
      {
        status: input.Filter?.FilteredStatus,
        topic: input.Filter?.TopicFilter
          ? {
              name: input.Filter.TopicFilter.TopicName,
              useDefault: input.Filter.TopicFilter.UseDefaultIfPreferenceUnavailable,
            }
          : undefined,
      },
      decodeToken(input.NextToken),
      pageSize(input.PageSize, 1000, 1000),
    );
    return { Contacts: page.items.map(contactSummary), NextToken: encodeToken(page.next) };
  }),

  UpdateContact: op<ContactInput>(async (ctx, input) => {
    await ctx.core.contacts.updateContact(
      ctx.caller.accountId,
      input.ContactListName,
      input.EmailAddress,
      contactInput(input),
    );
    return {};
  }),

  DeleteContact: op<{ ContactListName: string; EmailAddress: string }>(async (ctx, input) => {
    await ctx.core.contacts.deleteContact(ctx.caller.accountId, input.ContactListName, input.EmailAddress);
    return {};
  }),
};
