// @ts-check
// A TypeDoc plugin for Weft's API reference: leaves out members a Weft class inherits from a
// dependency (rxjs' Observable methods on Controller). They are not Weft's API, their comments
// link to rxjs symbols the reference cannot resolve, and rxjs documents them itself.
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const members = context.project.getReflectionsByKind(ReflectionKind.Method | ReflectionKind.Property | ReflectionKind.Accessor);
    for (const member of members) {
      if (member.isDeclaration() && member.inheritedFrom && member.flags.isExternal) context.project.removeReflection(member);
    }
  });
}
