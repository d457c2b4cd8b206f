// A custom resource with every list and map type server-side apply distinguishes.
import type { JsonObject } from '@weft/merge';

export const widgetGroup = 'merge.weft.dev';
export const widgetApiVersion = `${widgetGroup}/v1`;

export const widgetCrd: JsonObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${widgetGroup}` },
  spec: {
    group: widgetGroup,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  replicas: { type: 'integer' },
                  mode: { type: 'string' },
                  items: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name', 'zone'],
                    items: {
                      type: 'object',
                      required: ['name', 'zone'],
                      properties: {
                        name: { type: 'string' },
                        zone: { type: 'string' },
                        size: { type: 'integer' },
                        labels: { type: 'object', additionalProperties: { type: 'string' } },
                      },
                    },
                  },
                  endpoints: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['port'],
                    items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' }, host: { type: 'string' } } },
                  },
                  tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                  ports: { type: 'array', items: { type: 'integer' } },
                  config: { type: 'object', additionalProperties: { type: 'string' } },
                  selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};
