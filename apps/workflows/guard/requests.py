"""``request_flags``: what a customer (or a knowledge document) asks that the AI must never act on.

Restricted requests (refunds, permission changes, legal/compliance answers, commitments such as agreeing to a
price) go to a human; injection cues (rewritten rules, "ignore previous instructions", system-prompt requests,
hidden instructions, images from outside hosts) and security reports are flagged. Patterns run on the text with
accents folded (``matching.fold``), whole words, case-insensitively, in English, German, Spanish and French.
"""

from __future__ import annotations

import re

from .flags import FlagKind, GuardFlag
from .links import outside_images
from .matching import EVIDENCE_CHARS, Rule, any_of, fold, run_rules, words

# Questions about how the customer does something themselves, and negations: a cue right after these is no request.
_HOW_TO = words(
    r"how (do|can|could|would|should) (i|we|you|one)|how to|is there a way to|where (do|can) (i|we)"
    r"|wie (kann|konnen) (ich|wir|man)|wie geht|como (puedo|podemos|se)|comment (puis-je|pouvons-nous|faire|on)"
)
_NEGATION = words(
    r"not|no|never|don't|do not|doesn't|does not|didn't|can't|cannot|won't|without|nicht|kein\w*|nie|no|nunca|ne|pas"
    r"|jamais|sans|sin"
)
_SELF = words(
    r"is it possible to|(i|we) (want|wanted|would like|'d like|need|needed|try|tried|am trying|are trying|plan) to"
    r"|(can|could|may) (i|we)|ich (mochte|will|muss)|(quiero|queremos|necesito|puedo)|(je veux|je voudrais|puis-je)"
)
# searched in the same sentence just before a match: a how-to question anywhere before it, a negation within
# the two words before it (and, for permission changes, the customer doing it themselves)
_NOT_A_REQUEST = re.compile(f"(?:{_HOW_TO.pattern}).*$|(?:{_NEGATION.pattern})\\s+(?:\\S+\\s+){{0,2}}$", re.IGNORECASE)
_SELF_SERVICE = re.compile(f"(?:{_NOT_A_REQUEST.pattern})|(?:{_SELF.pattern}).*$", re.IGNORECASE)

_ASK_EN = (
    r"(i|we) (want|need|would like|'d like|demand|expect|request|am requesting|are requesting|deserve)"
    r"|(can|could|will|would) (i|we) (get|have|receive)|(give|get|send|issue|process) (me|us)|asking for|please"
)

RESTRICTED_RULES = [
    Rule(
        "refund-request",
        FlagKind.RESTRICTED,
        any_of(
            rf"(?:{_ASK_EN}) (a |an |my |our |the |full |partial |immediate )*(refund|reimbursement|credit note)",
            r"(want|like|need|wish|expect) to (get|have|receive|request|ask for|claim) (a |an |my |our |the |full |"
            r"partial )*(refund|reimbursement|money back)",
            r"refund (me|us|my|our|the (difference|charge|payment|money|fee|amount)|it|this|that)",
            r"reimburse (me|us)",
            r"(my|our|the) money back",
            r"(get|have|claim|want) (the|that) difference (back|refunded|later)",
            r"difference back",
            r"pay (me|us) back",
            r"(credit|refund) (it )?(back )?to (my|our) (card|account)",
            r"(mochte|will|wollen|verlange|fordere|bitte um|beantrage) (eine |die |meine |unsere )?(ruck)?erstattung",
            r"(mein|unser) geld zuruck|erstatten sie|erstattet mir",
            r"(quiero|queremos|solicito|pido|necesito|exijo|exigimos) (un |el |mi |nuestro )?(reembolso|devolucion)",
            r"devuelvan(me|nos)? (el|mi|nuestro) dinero|reembolsen(me|nos)?|reembolsame",
            r"(je veux|je voudrais|je demande|j'exige|je souhaite|nous voulons|nous demandons) (un |le |mon |notre )?"
            r"remboursement",
            r"remboursez(-| )?(moi|nous)|rembourser (ma|mon|notre|nos)|recuperer mon argent",
        ),
        "billing",
        _NOT_A_REQUEST,
    ),
    Rule(
        "permission-change",
        FlagKind.RESTRICTED,
        any_of(
            r"(give|grant|add|assign|make) (\w+ ){0,3}(admin|administrator|editor|owner|write|edit|full|manager)"
            r" (access|rights|permissions?|role|privileges)",
            r"(give|grant) (\w+ ){0,2}access to",
            r"make (me|him|her|them|\w+) (an? |the )?(admin|administrator|owner|editor)",
            r"(change|upgrade|promote|switch) (my|his|her|their|\w+'s) (role|permissions?|access)",
            r"(remove|revoke|take away) (\w+ ){0,2}(access|permissions?|rights)",
            r"transfer (the )?(workspace |account )?ownership",
            r"(zugriff|zugang|adminrechte|schreibrechte|rechte) (geben|gewahren|erteilen|einraumen)",
            r"(gib|gebt|geben sie) (\w+ ){0,3}(zugriff|zugang|adminrechte|rechte)",
            r"zum (admin|administrator|eigentumer) machen",
            r"(dar|darle|darles|dale|denle|concede|otorga|otorgar) (\w+ ){0,2}(acceso|permisos?)",
            r"hacer(le|me)? (admin|administrador|propietario)",
            r"(donner|donnez|accorder|accordez) (\w+ ){0,2}(acces|droits?|les droits)",
            r"(droits?|acces) (d'administrateur|d'editeur|admin)",
        ),
        "account-admin",
        _SELF_SERVICE,
    ),
    Rule(
        "legal-question",
        FlagKind.RESTRICTED,
        any_of(
            r"(is|isn't|was|would|will) (this|that|it|so|such a \w+) (be )?(legal|illegal|lawful"
            r"|unlawful|allowed by law)",
            r"(that's|that is|it's|it is|this is) (legal|illegal|lawful|unlawful)[^.?!\n]{0,40}\?",
            r"legal (in|under) [^.?!\n]{1,40}\?",
            r"(legally|lawfully) (allowed|required|obliged|obligated|permitted|binding)",
            r"am i (legally )?(liable|allowed by law)|are we (legally )?liable",
            r"(labour|labor|employment|tax|privacy|consumer) law",
            r"(compliant|comply|compliance) with (the )?(gdpr|ccpa|hipaa|law|regulations?|flsa)",
            r"legal advice|tax advice",
            r"(ist|ware) (das|es) (legal|illegal|rechtens|zulassig|erlaubt)|rechtlich (zulassig"
            r"|erlaubt)|rechtsberatung",
            r"(es|seria|esta) (esto |eso )?(legal|ilegal)|legalmente|asesoria (legal|juridica)",
            r"(est-ce|c'est|est-il|serait-ce) (que c'est )?(legal|illegal|permis par la loi)"
            r"|legalement|conseil juridique",
        ),
        "legal-compliance",
    ),
    Rule(
        "commitment-request",
        FlagKind.RESTRICTED,
        any_of(
            r"(legally )?binding (offer|agreement|contract|deal|quote)",
            r"no backing out|(is it|is that|it's|its|that's) a deal|deal\s*\?",
            r"agree (to|with) (whatever|everything|anything|all) (i|we) (say|ask|want)",
            r"(accept|take|agree to) (\w+ ){0,6}for \$?\d+(\.\d+)?( \w+)?( a| per)? (year|month)",
            r"(can|could|will|would) you (guarantee|promise|commit to|confirm in writing|put it in writing)",
            r"(guarantee|promise) (me|us) (that|a|an|the)",
            r"(put|confirm) (it|that|this) in writing|in writing that",
            r"(lock in|price match|match (their|the|this|that) price)",
            r"verbindliches angebot|verbindlich zusagen|(garantieren|versprechen) sie (mir|uns)"
            r"|schriftlich bestatigen",
            r"oferta vinculante|(me|nos) (garantiza|garantizas|promete|prometes)|prometeme|por escrito",
            r"offre ferme|engagement contractuel|(vous|tu) (me|nous) (garantissez|garantis|promettez)|promettez-moi",
        ),
        "sales",
    ),
]

INJECTION_RULES = [
    Rule(
        "ignore-instructions",
        FlagKind.INJECTION,
        any_of(
            r"(ignore|disregard|forget|override|bypass|skip) (all |any |the |your |my |of |these |those )*"
            r"(previous |prior |above |earlier |former |original |system |safety )*"
            r"(instructions?|rules|prompts?|guidelines|directions|policies|programming|restrictions|training)",
            r"(ignoriere|ignorier|vergiss|missachte) (alle |deine |die |bisherigen |vorherigen )*"
            r"(anweisungen|regeln|vorgaben|richtlinien|instruktionen)",
            r"(ignora|olvida|olvidate de) (todas |todos |tus |las |los |sus )*(instrucciones|reglas"
            r"|normas|indicaciones)",
            r"(ignore|ignorez|oublie|oubliez) (toutes |tous |les |tes |vos |tes )*"
            r"(instructions|regles|consignes|directives)",
        ),
    ),
    Rule(
        "rule-rewrite",
        FlagKind.INJECTION,
        any_of(
            r"new (rule|rules|instructions?|system prompt)( for (this|the) (chat|conversation))?\s*:",
            r"new rule for (this|the) (chat|conversation)",
            r"you (are|'re) now|from now on,? you|you (must|will|shall) (now )?(always|only|agree|say"
            r"|answer|end|finish|"
            r"obey|comply|respond)",
            r"(you|u) agree with (whatever|everything|anything)",
            r"(finish|end|sign|close) (every|each|all) (answer|reply|response|message)s? with",
            r"pretend (to be|you are|you're)|act as (if you|an? |my )|roleplay as|role-play as",
            r"(developer|god|dan|jailbreak|unrestricted) mode|jailbreak\w*|do anything now",
            r"du bist (jetzt|ab jetzt|nun)|ab (jetzt|sofort) (bist|wirst|musst) du|neue regel",
            r"(ahora|a partir de ahora) (eres|seras|debes)|nueva regla",
            r"(tu es|vous etes) (maintenant|desormais)|a partir de maintenant,? (tu|vous)|nouvelle regle",
        ),
    ),
    Rule(
        "system-prompt",
        FlagKind.INJECTION,
        any_of(
            r"system (prompt|message|instructions?)",
            r"(show|reveal|print|repeat|output|tell|give|what (is|are)|what's) (me )?(your|the) "
            r"(hidden |initial |original |internal )?(prompt|instructions|rules|guidelines|configuration)",
            r"(zeig|nenne|verrate) (mir )?(deinen|deine) (prompt|anweisungen|systemprompt)",
            r"(muestra|revela|dime) (me )?(tu|tus) (prompt|instrucciones)",
            r"(montre|revele|donne)(-moi)? (ton|tes|votre|vos) (prompt|instructions)",
        ),
    ),
    Rule(
        "hidden-instruction",
        FlagKind.INJECTION,
        any_of(
            r"(note|message|instructions?|memo) (for|to) (the )?(ai|assistant|bot|chatbot|model|llm|gpt)",
            r"(ai|assistant|bot|model|llm) (handling|reading|processing|answering) this (ticket|message|email|chat)",
            r"if you are an? (ai|assistant|language model|bot|llm)",
            r"\[/?(system|inst|instructions?)\]|<\|?/?(system|im_start|im_end)\|?>|<!--",
            r"(hinweis|anweisung) (fur|an) (die|den) (ki|assistenten|bot)",
            r"(nota|instrucciones?) para (la|el) (ia|asistente|bot)",
            r"(note|instructions?) pour (l'ia|l'assistant|le bot)",
        ),
    ),
    Rule(
        "off-task-request",
        FlagKind.INJECTION,
        any_of(
            r"swear at (me|us|them)|(insult|curse|cuss) (me|us|the company|your company)",
            r"(write|compose|make up|give me) (me )?(a |an )?(poem|song|haiku|limerick|rap|joke)s? (about|on|that)",
            r"(say|admit|tell me) (that )?(you are|you're|this company is|your company is) (useless"
            r"|worthless|terrible|"
            r"a scam|garbage|crap)",
            r"(which|what) competitor (is|would be) better|recommend (me )?a competitor",
        ),
    ),
]
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u202e\u202d]")

SECURITY_RULES = [
    Rule(
        "security-report",
        FlagKind.SECURITY,
        any_of(
            r"vulnerabilit(y|ies)|security (issue|hole|flaw|bug|problem|incident)|xss|cross-site scripting",
            r"sql injection|csrf|remote code execution|rce|exploit(s|ed|able)?|responsible disclosure|bug bounty",
            r"(account|my account|our account) (was |has been |got )?(hacked|compromised|taken over)",
            r"(been|was|got) hacked|unauthori[sz]ed (access|login|logins|charges? on my account)|account takeover",
            r"(leaked|exposed) (api )?(key|token|password|credentials|secret)s?|data (breach|leak)|phishing",
            r"sicherheitslucke|(wurde |bin )?gehackt|datenleck|vulnerabilidad|hackeado|brecha de seguridad",
            r"faille de securite|pirate|fuite de donnees",
        ),
        "security",
    ),
    Rule(
        "data-exfiltration",
        FlagKind.SECURITY,
        any_of(
            r"(look up|lookup|list|paste|send|give|dump|export|show|reveal|share|pull|collect|include|copy)"
            r" (me )?(\w+ ){0,2}(every|all|other|each) (\w+ ){0,2}(accounts?|customers?|users?|tenants?|clients?|"
            r"organi[sz]ations?)",
            r"(paste|include|put|add|output|print|send|reveal|share) (\w+ ){0,4}(admin e-?mails"
            r"|customer ids|api keys?|"
            r"secret keys?|access tokens?|tokens|passwords|credentials|secrets|private keys?)",
            r"(other|another) (customer|user|account)'?s? (data|details|e-?mails?|invoices?|information|records)",
        ),
        "security",
    ),
]

REQUEST_RULES = [*RESTRICTED_RULES, *INJECTION_RULES, *SECURITY_RULES]


def request_flags(text: str) -> list[GuardFlag]:
    """The restricted requests, injection cues and security reports in ``text`` (customer text or a knowledge
    passage), one flag per rule that matched, in rule order: restricted, injection, security.

    Queues: refund → ``billing``, permission change → ``account-admin``, legal question → ``legal-compliance``,
    commitment request → ``sales``, security reports and data-exfiltration attempts → ``security``; injection cues
    name no queue (the topic decides). Also flags invisible characters (zero-width, bidi overrides) and Markdown or
    HTML images from hosts outside ``settings.REPLY_LINK_HOSTS``. Never raises; ``""`` gives ``[]``.
    """
    if not text or not text.strip():
        return []
    flags = [
        GuardFlag(rule.name, rule.kind, evidence, rule.queue_slug) for rule, evidence in run_rules(REQUEST_RULES, text)
    ]
    hidden = _ZERO_WIDTH.search(text)
    if hidden:
        around = text[max(0, hidden.start() - 30) : hidden.end() + 30].encode("unicode_escape").decode("ascii")
        flags.append(GuardFlag("invisible-characters", FlagKind.INJECTION, around[:EVIDENCE_CHARS]))
    images = outside_images(fold(text))
    if images:
        flags.append(GuardFlag("outside-image", FlagKind.INJECTION, images[0][:EVIDENCE_CHARS]))
    order = {FlagKind.RESTRICTED: 0, FlagKind.INJECTION: 1, FlagKind.SECURITY: 2}
    return sorted(flags, key=lambda f: order.get(f.kind, 3))
