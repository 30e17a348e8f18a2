const LABELS: Readonly<Record<string, string>> = {
  owner: 'Owner',
  admin: 'Admin',
  schedulable: 'Schedulable',
  'contact-person': 'Contact person',
};

/** The users page's tags (Owner, Admin, schedulable, contact person); a User has no role tag. */
export function Tags({ role, tags }: { role?: string; tags: readonly string[] }) {
  const shown = [...new Set([...(role && role !== 'user' ? [role] : []), ...tags])].filter((t) => LABELS[t]);
  if (shown.length === 0) return null;
  return (
    <span className="tags">
      {shown.map((tag) => (
        <span key={tag} className={`tag tag-${tag}`}>
          {LABELS[tag]}
        </span>
      ))}
    </span>
  );
}

export const roleName = (role: string) => LABELS[role] ?? 'User';

const RANK: Readonly<Record<string, number>> = { user: 1, admin: 2, owner: 3 };

/** Owner above Admin above User: nobody acts on a member above their own role. */
export const rankOf = (role: string) => RANK[role] ?? 0;
