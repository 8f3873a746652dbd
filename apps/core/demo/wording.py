"""Word banks for demo tickets: message templates per category, paraphrase slots, greetings and signatures.

Template syntax: ``[a|b|c]`` picks one alternative (innermost first, so they nest), ``{slot}`` takes a value from
``SLOTS`` (or from the ticket's context: ``{amount}``, ``{date}``, ``{invoice_no}``, ``{seats}``, ``{plan}``…).
German templates use the ``_de`` slots. The texts describe the fictional product Tallyflow.
"""

SLOTS: dict[str, list[str]] = {
    "feature": [
        "time tracking",
        "recurring invoices",
        "the Gantt view",
        "the client portal",
        "expense tracking",
        "budget alerts",
        "retainers",
        "timesheet approvals",
        "project templates",
        "resource planning",
        "the weekly report",
        "the board view",
        "billable rates",
        "the profitability report",
    ],
    "feature_de": [
        "die Zeiterfassung",
        "wiederkehrende Rechnungen",
        "die Gantt-Ansicht",
        "das Kundenportal",
        "die Spesenerfassung",
        "die Budgetwarnungen",
        "die Stundenzettel-Freigabe",
        "die Projektvorlagen",
    ],
    "how_task": [
        "add a billable rate for just one client",
        "set up recurring invoices",
        "approve my team's timesheets",
        "duplicate a project with all its tasks",
        "give a client access to the portal",
        "export timesheets to Excel",
        "set a budget on a project",
        "change the invoice numbering",
        "add our logo to invoices",
        "track time from my phone",
        "archive old projects",
        "move tasks between projects",
        "set up a monthly retainer",
        "split an invoice into two payments",
        "lock time entries after they're invoiced",
        "show hours per client in a report",
        "change the currency of an invoice",
        "add a second tax rate to an invoice",
    ],
    "how_task_de": [
        "einen Stundensatz nur für einen Kunden festlegen",
        "wiederkehrende Rechnungen einrichten",
        "die Stundenzettel meines Teams freigeben",
        "ein Projekt mit allen Aufgaben kopieren",
        "unser Logo auf die Rechnungen bekommen",
        "die Rechnungsnummern ändern",
        "Zeiten als Excel exportieren",
        "einem Kunden Zugriff aufs Portal geben",
    ],
    "integration": [
        "QuickBooks Online",
        "Xero",
        "Slack",
        "Google Calendar",
        "Jira",
        "Zapier",
        "HubSpot",
        "GitHub",
        "the Outlook calendar",
        "DATEV",
    ],
    "integration_symptom": [
        "stopped syncing",
        "keeps disconnecting",
        "creates every invoice twice",
        "doesn't send the hours over",
        "says 'token expired'",
        "imported all our clients twice",
        "hasn't updated since {weekday}",
        "shows a red error icon",
        "only syncs some of the projects",
        "is stuck on 'syncing…'",
    ],
    "bug_symptom": [
        "the timer stops after a few minutes",
        "invoice PDFs show the wrong VAT rate",
        "the CSV export is empty",
        "the Gantt chart never finishes loading",
        "time entries from yesterday disappeared",
        "the mobile app crashes when I open timesheets",
        "budget totals don't add up",
        "I get an error when I save an invoice",
        "drag and drop doesn't work in the board view",
        "the report counts some hours twice",
        "invoice emails to clients aren't sent",
        "the date picker shows the wrong week",
        "notifications arrive hours late",
        "the search doesn't find tasks I know exist",
        "uploading a receipt fails",
        "the CSV import [drops|skips|loses] the last row",
        "importing clients from a spreadsheet [skips some rows|stops halfway]",
        "the import [says it worked but|finishes but] half the time entries are missing",
        "imported [projects|time entries] get the wrong dates",
        "I get logged out [every few minutes|whenever I switch tabs]",
        "signing in on my [phone|laptop] logs me out on my [desktop|computer]",
        "my session keeps expiring [after a minute|right after I log in]",
    ],
    "bug_symptom_de": [
        "der Timer stoppt nach ein paar Minuten",
        "die Rechnungs-PDFs zeigen den falschen Steuersatz",
        "der CSV-Export ist leer",
        "die Gantt-Ansicht lädt nicht",
        "Zeiteinträge von gestern sind weg",
        "die App stürzt beim Öffnen der Stundenzettel ab",
    ],
    "error": [
        "Error 500",
        "Something went wrong (TF-502)",
        "TF-413: request too large",
        "403 Forbidden",
        "Network error, retrying…",
        "Unexpected token < in JSON",
        "TF-409: conflict, please reload",
    ],
    "browser": [
        "Chrome",
        "Firefox",
        "Safari",
        "Edge",
        "the iOS app",
        "the Android app",
        "the desktop app on Windows",
        "the Mac app",
    ],
    "outage_symptom": [
        "the app won't load at all",
        "everything is extremely slow",
        "we're getting 502 Bad Gateway",
        "the login page just keeps spinning",
        "timers aren't saving",
        "nobody on my team can log in",
        "the dashboard is blank",
        "every page takes a minute to open",
    ],
    "since": [
        "since this morning",
        "for the last hour",
        "for about 20 minutes",
        "since lunch",
        "since 9am",
        "for a while now",
        "since the last update",
    ],
    "invoice_line": [
        "Proration adjustment",
        "Prorated seats",
        "Unused time credit",
        "Remaining time on plan",
        "Seat adjustment",
        "Plan change credit",
        "Pro-rata upgrade",
    ],
    "invoice_wrong_count": ["second", "third", "fourth", "Another"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "last week"],
    "role": ["Manager", "Admin", "Member", "Client"],
    "doc": ["DPA", "list of sub-processors", "SOC 2 report", "security questionnaire", "ISO 27001 certificate"],
    "why_leave": [
        "we're closing the agency",
        "it's too expensive for us now",
        "we moved to another tool",
        "the project we used it for ended",
        "the team is too small now",
        "we need features you don't have",
        "after the last price increase it doesn't make sense anymore",
    ],
}

GREETINGS = {
    "email": [
        "Hi,",
        "Hello,",
        "Hi team,",
        "Hello Tallyflow support,",
        "Dear Sir or Madam,",
        "Hey there,",
        "Good morning,",
        "Hi support,",
        "Hello there,",
        "",
    ],
    "chat": ["hi", "hello", "Hi!", "hey", "Hi there", "", "", "", ""],
    "de": ["Hallo,", "Guten Tag,", "Hallo zusammen,", "Sehr geehrte Damen und Herren,", "Hallo Support-Team,"],
}

SIGNOFFS = {
    "email": [
        "Thanks,\n{first}",
        "Best regards,\n{name}\n{company}",
        "Cheers,\n{first}",
        "Thank you!\n\n{name}\n{company}",
        "{first}\n\nSent from my iPhone",
        "Kind regards\n{name}",
        "Thanks in advance,\n{name}",
        "Best,\n{first}",
        "Regards,\n{name} | {company}",
        "--\n{name}\n{company}\n{phone}",
    ],
    "chat": ["", "", "", "thanks", "thx", "Thanks!", "ty"],
    "de": [
        "Viele Grüße\n{first}",
        "Mit freundlichen Grüßen\n{name}\n{company}",
        "Danke und Grüße,\n{first}",
        "Beste Grüße\n{name}",
        "LG {first}",
    ],
}

URGENCY = [
    " This is urgent.",
    " Please help asap!",
    " We need this fixed today.",
    " Our invoices go out tomorrow.",
    " Can someone look at this quickly?",
    " Deadline is end of day.",
]
FRUSTRATION = [
    " This is the second time I'm writing about this.",
    " Honestly getting really frustrated.",
    " Nobody has answered my last email.",
    " Not acceptable for what we pay.",
]


def _intent(subjects: list[str], bodies: list[str], replies: list[str] = ()) -> dict[str, list[str]]:
    """One thing customers ask within a category: its subject lines, phrasings, and the agent replies that fit."""
    return {"subject": subjects, "body": bodies, "reply": list(replies)}


# Per category: generic subjects, intents (subject + phrasings + fitting replies), and German subjects, bodies
# and (in REPLY_DE) a reply. Bodies are the customer's first message without greeting or signature. Agents
# answer with a fitting intent reply or with the category's reply template.
TEMPLATES: dict[str, dict] = {
    "billing": {
        "subject": ["Billing question", "Question about our invoice", "Invoices"],
        "intents": [
            _intent(
                ["Invoice copy", "[Need|Requesting] [an|our] invoice for {month}", "Invoice for {month}"],
                [
                    "[Where can I|How do I] [download|find] [the|our] invoice for {month}? [Our accountant needs it.|"
                    "Finance is asking for it.|I can't find it anywhere in the settings.]",
                    "can u send me [the last 3|all] invoices [as pdf|by email] pls",
                    "I need a receipt for the {amount} payment from {date}. [The PDF only shows the invoice, not "
                    "that it was paid.|Can you send it to accounting@{domain}?]",
                ],
                [
                    "Hi {customer_first},\n\n[thanks for reaching out|happy to help]! All invoices are under Settings "
                    '→ Billing → Invoices, each with a PDF download and a "Receipt" link once paid. I\'ve [also '
                    "sent a copy|re-sent {invoice_no}] to your email just now.\n\nBest,\n{agent}",
                ],
            ),
            _intent(
                ["VAT number on invoices", "Missing VAT ID", "Invoice {invoice_no} needs our VAT number"],
                [
                    "Could you [add|include] our VAT [number|ID] {vat_id} on [the|our] invoices? [It's missing on "
                    "invoice {invoice_no}.|Our accounting won't accept them without it.]",
                    "Our invoices don't show our VAT ID. [Please add {vat_id}.|Where do I enter it?]",
                ],
                [
                    "Hi {customer_first},\n\nI've added {vat_id} to your billing details and re-issued {invoice_no} "
                    "with it. Future invoices will show it automatically; you can edit it yourself under Settings → "
                    "Billing → Edit billing details.\n\n[Best|Kind regards],\n{agent}",
                ],
            ),
            _intent(
                [
                    "Change billing address",
                    "New billing address",
                    "PO number on invoice",
                    "Invoices to a different email",
                ],
                [
                    "We moved offices. [How do I|Can you] change the billing address [on|for] our account? [It "
                    "should also be on the last invoice if possible.|]",
                    "[Our procurement|Accounts payable] needs a PO number ({po_number}) on every invoice. How can we "
                    "add it?",
                    "Can invoices be sent to a different email than mine? [I'm not the one paying them.|Should go "
                    "to billing@{domain}.]",
                ],
                [
                    "Hi {customer_first},\n\nI've updated the billing details [as requested|for you]. The change "
                    "applies from the next invoice; [I've also re-issued {invoice_no} with the new details.|let me "
                    "know if you need an earlier invoice re-issued.]\n\n[Best|Kind regards],\n{agent}",
                ],
            ),
            _intent(
                ["[Update|Change] credit card", "Card expired", "Pay by bank transfer?"],
                [
                    "[Our card expired|The company card was replaced|We have a new company credit card] and I need "
                    "to update the payment method. Where do I do that[?| before the next renewal?]",
                    "Is it possible to pay by bank transfer instead of card? [We're on {plan}.|Our finance team "
                    "prefers invoices with payment terms.]",
                ],
                [
                    "Hi {customer_first},\n\nyou can change the card under Settings → Billing → Payment method; the "
                    "new card is used from the next renewal. Paying by bank transfer is available on annual plans "
                    "from Business upwards.\n\n{agent}",
                ],
            ),
            _intent(
                ["Invoice amount", "Why is our invoice higher?", "Question about invoice {invoice_no}"],
                [
                    "Why does invoice {invoice_no} show {amount}? I thought we [pay|were paying] less [per seat|per "
                    "month].",
                    "Our last invoice is higher than usual. [Did the price change?|We didn't add anyone.]",
                ],
                [
                    "Hi {customer_first},\n\n{invoice_no} covers {seats} seats on {plan}. Seats added during the "
                    "period are billed prorated on the next invoice, which is why it's higher this time. The line "
                    "items on the PDF show each change.\n\nBest,\n{agent}",
                ],
            ),
            _intent(
                [
                    "Line item on invoice {invoice_no}",
                    "What is this line on our invoice?",
                    "[Proration|Prorated charge|Credit line] on invoice",
                    "Unclear invoice line",
                ],
                [
                    "[Can you explain|What is|What does] the '{invoice_line}' line on [invoice|our invoice] "
                    "{invoice_no}[ mean|]? [Our accountant asked.|I don't understand where it comes from.|]",
                    "There's a line called '{invoice_line}' on {invoice_no} [for {amount}|with a negative amount]. "
                    "[What is it for?|Is that correct?|Please explain.]",
                    "[Our finance team|Accounts payable] [wants to know|asked] what the {invoice_line} on the "
                    "{month} invoice is. [We didn't change anything.|We only added one seat.|]",
                    "invoice {invoice_no} has a {invoice_line} line i dont get[, can u explain|?]",
                    "Why is there a [credit|charge] for {invoice_line} on [this month's|the latest] invoice?",
                ],
                [
                    "Hi {customer_first},\n\nthat line is the prorated difference for the change made during the "
                    "billing period: you pay (or get credited) only for the days after the change. Each line item on "
                    "the PDF names the change and its dates.\n\nBest,\n{agent}",
                ],
            ),
            _intent(
                [
                    "Wrong company name on invoice",
                    "Invoice details wrong [again|]",
                    "Invoice {invoice_no} has [the wrong|an old] address",
                ],
                [
                    "[The|Our] [company name|registered address|billing address] on invoice {invoice_no} is wrong"
                    "[ again|]. [It's the {invoice_wrong_count} invoice like this.|Please re-issue it.|]",
                    "{invoice_wrong_count} invoice in a row with [our old company name|a misspelled company name|the "
                    "wrong address]. [Can someone finally fix the billing details?|This is getting tiring.|]",
                    "Our invoices still show [the old company name|our previous address] even though we changed it "
                    "[weeks ago|in the settings]. [Accounting keeps sending them back.|]",
                    "why does every invoice have our company name wrong[??|.] [we told you twice|fix it pls]",
                ],
                [
                    "Hi {customer_first},\n\nsorry about that. I've corrected the company details on your account "
                    "and re-issued {invoice_no}; future invoices will use the new details.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Rechnung {month}", "USt-IdNr. auf Rechnungen", "Rechnungsadresse ändern"],
        "body_de": [
            "Wo finde ich die Rechnung für {month}? Unsere Buchhaltung braucht sie[ dringend|].",
            "Bitte tragen Sie unsere USt-IdNr. {vat_id} auf den Rechnungen ein. Auf Rechnung {invoice_no} fehlt sie.",
            "Wir sind umgezogen. Wie ändere ich die Rechnungsadresse?",
        ],
    },
    "billing/double-charge": {
        "subject": ["Charged twice", "Double charge on my card", "Why was I charged twice?", "Duplicate payment"],
        "intents": [
            _intent(
                ["Charged twice", "Two payments for the same invoice", "Double charge {date}"],
                [
                    "[Why was I|I was|Looks like I got] charged twice [this month|on {date}]? My [bank|card "
                    "statement] shows two payments of {amount} [to Tallyflow|from you].",
                    "I see two identical charges of {amount} on {date}. [We only have one workspace.|Can you check "
                    "what happened?]",
                    "charged twice?? {amount} x2 on my statement",
                    "There are two payments for invoice {invoice_no} on our [company card|account]. Is one of them "
                    "just a [pending|temporary] hold or did you really take the money twice?",
                    "We upgraded [yesterday|on {date}] and now see {amount} and another {amount} pending. [Which one "
                    "is real?|Please explain.]",
                ],
                [
                    "Hi {customer_first},\n\nI checked your account: only one payment of {amount} was collected for "
                    "{invoice_no}. The second line is an authorization hold that was released right away; your bank "
                    "will drop it within a few business days.\n\nBest,\n{agent}",
                ],
            ),
            _intent(
                ["[URGENT|Urgent]: double charge", "Charged twice - card frozen", "Duplicate charge, please refund"],
                [
                    "[Our card|My credit card] was charged {amount} twice for [our|the] {plan} subscription. [My "
                    "bank froze the card because of it.|That's not okay.|Please refund one of them.]",
                    "You took {amount} twice from our account on {date}, both are [booked|final], not pending. "
                    "[Please refund the duplicate.|]",
                ],
                [
                    "Hi {customer_first},\n\nyou're right, and I'm sorry: the payment was captured twice. I've "
                    "asked our billing team to refund the duplicate {amount}; you'll get a confirmation email when "
                    "it's sent.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Doppelte Abbuchung", "Zweimal belastet"],
        "body_de": [
            "Auf unserer Kreditkarte wurden am {date} zweimal {amount} abgebucht. Bitte prüfen Sie das[ und "
            "erstatten Sie eine Zahlung|].",
            "Warum wurde ich diesen Monat doppelt belastet? Ich sehe zwei Zahlungen über {amount}.",
        ],
    },
    "billing/refund-status": {
        "subject": [
            "Refund not received",
            "Where is my refund?",
            "Refund for {invoice_no}",
            "Still waiting for refund",
        ],
        "intents": [
            _intent(
                ["Refund not received", "Where is my refund?", "Refund for {invoice_no}"],
                [
                    "Your email says my {amount} [payment|renewal] was refunded on {date}, but [my card shows no "
                    "refund|I don't see anything on my statement]. Where is my money?",
                    "I was promised a refund [two weeks ago|on {date}] and [still nothing|nothing has arrived yet]. "
                    "[Can you check?|What's going on?]",
                    "refund status for {invoice_no}? [its been 10 days|still not on my card]",
                    "We cancelled the upgrade right after buying it and were told we'd get our {amount} back. The "
                    "charge is still showing as pending. [Is that normal?|When will it go away?]",
                ],
                [
                    "Hi {customer_first},\n\nthe refund of {amount} was sent on {date}. Card refunds take 5–10 "
                    "business days to show; the reference number for your bank is {reference}.\n\nBest,\n{agent}",
                    "Hi {customer_first},\n\nI've checked with our payment provider: the refund went through as a "
                    "reversal, so the original charge disappears instead of a separate credit line showing up. "
                    "[Your bank can confirm it with reference {reference}.|]\n\n{agent}",
                ],
            ),
            _intent(
                ["Refund amount wrong", "Refund is less than I paid"],
                [
                    "The refund I got is less than what I paid. [You charged me {amount} but my card shows less "
                    "back.|My card shows a different amount.] Why?",
                    "You refunded {invoice_no} but my [bank|card] shows a smaller amount than the charge. [My card "
                    "is in another currency.|Where is the rest?]",
                ],
                [
                    "Hi {customer_first},\n\nwe refunded the full {amount} in the invoice currency. Your card is in "
                    "a different currency, so your bank converted the charge and the refund at the rates of two "
                    "different days, which explains the small difference. Your bank can confirm the rates it used "
                    "with reference {reference}.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Rückerstattung nicht erhalten"],
        "body_de": [
            "Sie haben mir am {date} eine Rückerstattung von {amount} bestätigt, aber auf meiner Karte ist nichts "
            "angekommen. Wann kommt das Geld?",
        ],
    },
    "account/password-reset": {
        "subject": ["Can't log in", "Login problem", "Password"],
        "intents": [
            _intent(
                ["Password reset not working", "Reset email never arrives", "Forgot password"],
                [
                    "I [forgot|can't remember] my password and the reset [email|link] [never arrives|doesn't "
                    "come]. [I checked spam.|]",
                    "How do I reset my password? [The 'forgot password' link just reloads the page.|I'm on "
                    "{browser}.]",
                    "cant log in, [password|pw] not working[ anymore|]",
                    "I keep getting 'invalid password' but I'm [sure|100% sure] it's right. [Caps lock is off.|]",
                ],
                [
                    "Hi {customer_first},\n\nI've sent you a fresh reset link: it works once and is valid for 60 "
                    "minutes. If it doesn't show up in 5 minutes, please check spam for "
                    "no-reply@tallyflow.example.\n\n{agent}",
                ],
            ),
            _intent(
                ["Reset link expired", "Password reset link expired"],
                [
                    "[The|My] password reset link says it's expired[, I clicked it right away| even though I just "
                    "got it]. [What now?|Help?]",
                ],
                [
                    "Hi {customer_first},\n\nreset links work once and expire after 60 minutes; if you requested "
                    "several, only the newest one is valid. I've sent a new one just now.\n\nBest,\n{agent}",
                ],
            ),
            _intent(
                ["Locked out", "Account locked"],
                [
                    "I'm locked out of my account after too many [attempts|tries]. [How long do I have to wait?|Can "
                    "you unlock it?]",
                    "I changed my email address [last week|recently] and now I can't log in with either one.",
                ],
                [
                    "Hi {customer_first},\n\nafter 10 failed attempts an account is locked for 15 minutes; I've "
                    'lifted the lock now. Please sign in with the address {email_hint} and use "Forgot password" '
                    "if needed.\n\n{agent}",
                ],
            ),
            _intent(
                ["Can't log in after switching to Google", "SSO login"],
                [
                    "Our team switched to Google sign-in and now [one of my colleagues|{colleague}] can't log in. "
                    "[Do they still need a password?|]",
                    "[Since we turned on SSO|After the SSO change] I can't log in with my password anymore.",
                ],
                [
                    'Hi {customer_first},\n\nyour workspace uses single sign-on, so please use "Sign in with SSO" '
                    "on the login page instead of a password. [Your IT admin can reset it if needed.|]\n\nBest,\n"
                    "{agent}",
                ],
            ),
        ],
        "subject_de": ["Passwort vergessen", "Login funktioniert nicht"],
        "body_de": [
            "Ich habe mein Passwort vergessen und die E-Mail zum Zurücksetzen kommt nicht an.",
            "Der Link zum Zurücksetzen des Passworts ist abgelaufen. Was kann ich tun?",
            "Ich komme nicht mehr in mein Konto, nach zu vielen Versuchen bin ich gesperrt.",
        ],
    },
    "account/permissions": {
        "subject": ["User permissions", "Question about users", "Seats"],
        "intents": [
            _intent(
                ["Change user role", "Make {colleague} admin", "Permissions for clients"],
                [
                    "How do I [give|make] {colleague} [admin rights|an admin]? [They need to see invoices.|]",
                    "Can a {role} see our [billable rates|invoices|budgets]? [We don't want that.|Need to know "
                    "before inviting the client.]",
                    "Is there a way to let clients see project progress without seeing our internal tasks?",
                ],
                [
                    "Hi {customer_first},\n\nunder Settings → Members you can change a role with the menu next to "
                    "the name. Admins see everything including invoices; Clients only see the projects and tasks "
                    "you share with them in the client portal, never rates or budgets.\n\nBest,\n{agent}",
                ],
            ),
            _intent(
                ["Transfer ownership", "Workspace owner left"],
                ["Our workspace owner left the company. How can we transfer ownership to me? [I'm an admin.|]"],
                [
                    "Hi {customer_first},\n\nownership can be transferred by the current owner under Settings → "
                    "Workspace. Since they have left, we'll verify the request with your billing contact first; "
                    "I've started that and will update you here.\n\n{agent}",
                ],
            ),
            _intent(
                ["Remove a former employee", "Still billed for removed user", "Seats question"],
                [
                    "[We removed|I deactivated] a user [last week|yesterday] but we're still [billed for|paying] "
                    "{seats} seats. [Why?|]",
                    "{colleague} [left the company|doesn't work here anymore], how do we remove them without losing "
                    "their time entries?",
                ],
                [
                    "Hi {customer_first},\n\ndeactivate the member under Settings → Members: their time entries "
                    "stay, and the seat is freed from the next renewal (seats aren't refunded mid-period).\n\n"
                    "{agent}",
                ],
            ),
        ],
        "subject_de": ["Benutzer hinzufügen", "Rechte ändern"],
        "body_de": [
            "Wie kann ich {colleague} Admin-Rechte geben?",
            "Unser Workspace-Owner hat die Firma verlassen. Wie übertragen wir die Inhaberschaft?",
        ],
    },
    "plan-upgrade": {
        "subject": ["Plan change", "Pricing question", "Question about plans"],
        "intents": [
            _intent(
                ["Upgrade to Business", "Upgrade question", "How do I upgrade?"],
                [
                    "We'd like to upgrade from {plan} to Business. [What happens to our current billing period?|Is "
                    "it prorated?|Do we lose any data?]",
                    "how do i upgrade[ to pro|]? [free plan limit reached|it says I hit the project limit]",
                    "How much would it cost to add {seats} more [seats|users]? [We're on {plan}.|]",
                ],
                [
                    "Hi {customer_first},\n\nupgrades take effect right away and you only pay the prorated "
                    "difference for the rest of this period; nothing is lost. You can do it yourself under "
                    "Settings → Billing → Change plan.\n\n[Cheers|Best],\n{agent}",
                ],
            ),
            _intent(
                ["Switch to annual billing", "Annual plan discount"],
                [
                    "Can we switch to annual billing [and get the discount|mid-period]? [We're currently paying "
                    "monthly.|]"
                ],
                [
                    "Hi {customer_first},\n\nannual billing saves about 17%. I've switched your workspace to annual "
                    "from the next renewal; you'll get a prorated credit for the remaining monthly period.\n\n{agent}",
                ],
            ),
            _intent(
                ["Enterprise plan", "SSO and Enterprise pricing", "Nonprofit discount?"],
                [
                    "[We're growing fast|Our team is about to double] and need SSO. Is that only in Enterprise? "
                    "[Can we get a quote?|What does it cost?]",
                    "Is there a discount for nonprofits or [education|universities]?",
                ],
                [
                    "Hi {customer_first},\n\nSAML SSO, SCIM and custom contracts are part of Enterprise. I've asked "
                    "our account team to send you a quote; they'll reach out within one business day.\n\n{agent}",
                ],
            ),
            _intent(
                ["Downgrade plan", "Downgrade to Pro"],
                [
                    "We want to downgrade to Pro at the end of [this|our] period. [Will we lose the approvals "
                    "feature?|What happens to our retainers?]"
                ],
                [
                    "Hi {customer_first},\n\ndowngrades take effect at the next renewal. Business-only features "
                    "(approvals, retainers) become read-only, and all data stays.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Upgrade auf Business", "Jährliche Abrechnung"],
        "body_de": [
            "Wir möchten von {plan} auf Business wechseln. Wird das anteilig berechnet?",
            "Können wir auf jährliche Zahlung umstellen?",
        ],
    },
    "how-to": {
        "subject": ["Quick question", "Need help", "How to {how_task}?", "Question about {feature}"],
        "intents": [
            _intent(
                ["How to {how_task}?", "[Is it possible to|Can I] {how_task}?"],
                [
                    "How do I {how_task}? [I looked in the settings but couldn't find it.|Couldn't find it in the "
                    "help center.|Thanks!]",
                    "Is it possible to {how_task}? [We're trying to move from spreadsheets.|Our old tool could do "
                    "that.|]",
                    "I'm new to Tallyflow. [What's the best way|How should I] {how_task}?",
                    "how to {how_task}",
                ],
                [
                    'Hi {customer_first},\n\n[sure|good question]! Open the project, click "⋯" at the top right '
                    "and choose Settings: that's where billable rates, budgets and templates live. Here's the "
                    "step-by-step guide: https://help.tallyflow.example.\n\n{agent}",
                ],
            ),
            _intent(
                ["Help with {feature}", "Question about {feature}", "Where is {feature}?"],
                [
                    "[Quick question:|Hey,] where do I [set up|configure|find] {feature}?",
                    "Can {feature} be [turned off|hidden] for [clients|some users]? [It confuses our team.|]",
                ],
                [
                    "Hi {customer_first},\n\nyes, that's under Settings → Workspace → Features: you can switch "
                    "{feature} on or off for the whole workspace, and hide it from Clients.\n\n[Best|Cheers],\n"
                    "{agent}",
                ],
            ),
            _intent(
                ["Button greyed out", "Can't {how_task}"],
                [
                    "I want to {how_task} but the button is greyed out. [Is that a plan thing?|Am I missing "
                    "permissions?]"
                ],
                [
                    "Hi {customer_first},\n\nthe button is greyed out because only Admins and Managers can do this. "
                    "An admin can change your role under Settings → Members.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Frage zu {feature_de}", "Wie kann ich {how_task_de}?"],
        "body_de": [
            "Wie kann ich {how_task_de}? Ich finde das nicht in den Einstellungen.",
            "Ist es möglich, {how_task_de}?",
            "Kurze Frage: Wo richte ich {feature_de} ein?",
        ],
    },
    "bug-report": {
        "subject": ["Bug report", "Something is broken", "Problem with {feature}"],
        "intents": [
            _intent(
                ["Bug: {bug_symptom}", "{bug_symptom}", "Problem with {feature}"],
                [
                    "[Since|After] the last update {bug_symptom}. [I'm using {browser}.|Tried two browsers.|Cleared "
                    "the cache already.]",
                    "{bug_symptom} [for everyone in our team|only for me|for one of our clients]. [Is this a known "
                    "issue?|Please fix.]",
                    "[Not sure if this is a bug but|Bug report:] {bug_symptom}. Steps: open {feature}, change "
                    "something, save. [Then it breaks.|Then nothing happens.]",
                    "{bug_symptom} on {browser}[ again|]. [This is blocking our invoicing.|Happens every time.]",
                ],
                [
                    "Hi {customer_first},\n\nthanks for the details. I could reproduce it and have filed it with our "
                    "engineers as {bug_id}. [A fix is planned for the next release.|I'll update you here once it's "
                    "fixed.]\n\n{agent}",
                ],
            ),
            _intent(
                ["Error when saving", "{error}", "Error message"],
                [
                    'I [keep getting|get] "{error}" when I [try to save an invoice|open a project|export the '
                    "report]. [Screenshot attached.|It worked yesterday.|]",
                    "Getting {error} [every time|randomly] in {browser}",
                ],
                [
                    "Hi {customer_first},\n\ncould you send the steps you took and a screenshot of the error, plus "
                    "the app version from Help → About? That will help us reproduce it.\n\nBest,\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Fehler in Tallyflow", "Fehlermeldung {error}"],
        "body_de": [
            "Seit dem letzten Update {bug_symptom_de}. Wir nutzen {browser}.",
            'Beim Speichern einer Rechnung kommt "{error}". Gestern ging es noch.',
        ],
    },
    "outage": {
        "subject": ["Is Tallyflow down?", "Outage?"],
        "intents": [
            _intent(
                ["Is Tallyflow down?", "App not loading", "[DOWN|Down] - can't work", "Everything is slow"],
                [
                    "[Is Tallyflow down?|Is there an outage?] {outage_symptom} {since}.",
                    "{outage_symptom} [for our whole team|for everyone here|in every browser] {since}. [We can't "
                    "work.|Please fix asap.|Status page says all good??]",
                    "is the app down??? {outage_symptom}",
                    "Our whole office [can't log in|is stuck]. {outage_symptom}. [We have a client deadline today.|]",
                ],
                [
                    "Hi {customer_first},\n\nwe had an incident affecting part of our EU servers {since_reply}. It's "
                    "resolved now; all data is intact. Details are on https://status.tallyflow.example.\n\n{agent}",
                ],
            ),
            _intent(
                ["502 errors", "Errors on every page"],
                ["[We're getting|Seeing] {error} on every page {since}. [Nothing works.|]"],
                [
                    "Hi {customer_first},\n\nthanks for the report, our engineers are on it. Follow the updates on "
                    "https://status.tallyflow.example.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Tallyflow nicht erreichbar", "Störung?"],
        "body_de": [
            "Ist Tallyflow down? Bei uns lädt seit einer Stunde gar nichts mehr.",
            "Die App ist extrem langsam, niemand im Team kann arbeiten.",
        ],
    },
    "cancellation": {
        "subject": ["Cancel subscription", "Cancellation request", "Our account"],
        "intents": [
            _intent(
                ["Cancel subscription", "Cancel our account", "We're leaving"],
                [
                    "[Please cancel|I want to cancel|We'd like to cancel] our subscription[ effective immediately| "
                    "at the end of the period|]. [{why_leave}.|]",
                    "How do I cancel? [We're on {plan}.|] [{why_leave}.|]",
                    "cancel my account pls. {why_leave}",
                    "We're not renewing. [{why_leave}.|] Please make sure we're not charged again.",
                ],
                [
                    "Hi {customer_first},\n\nI've [cancelled the renewal|scheduled the cancellation] for you: your "
                    "plan stays active until the end of the current period and you won't be charged again. Your "
                    "data can be exported under Settings → Workspace → Export.\n\n{agent}",
                ],
            ),
            _intent(
                ["Close workspace and refund", "Refund for unused months"],
                [
                    "We want to close our workspace and get a refund for the unused [months|part of the year]. "
                    "[{why_leave}.|]"
                ],
                [
                    "Hi {customer_first},\n\nsorry to hear that. Priya from our account team will look at the "
                    "contract and the refund question with you; she'll reply here today.\n\n{agent}",
                ],
            ),
            _intent(
                ["Renewal at risk", "Considering other tools"],
                ["If [this isn't fixed|you can't fix the sync] this week we'll cancel and move to another tool."],
                [
                    "Hi {customer_first},\n\nI understand, and I'm sorry this has dragged on. I've escalated the "
                    "issue to our senior team and asked your account manager to call you this week.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["Kündigung", "Abo kündigen"],
        "body_de": [
            "Hiermit kündigen wir unser Abonnement zum nächstmöglichen Zeitpunkt. Bitte bestätigen Sie die Kündigung.",
            "Wie kann ich kündigen? Wir brauchen das Tool nicht mehr.",
        ],
    },
    "legal-privacy": {
        "subject": ["Privacy request", "Legal question"],
        "intents": [
            _intent(
                ["GDPR request", "Right of access request", "Data deletion request"],
                [
                    "Under Art. 15 GDPR I request [a copy of|access to] all personal data you hold about me.",
                    "Please delete all my personal data [and my account|]. [I'm invoking my right to erasure.|]",
                ],
                [
                    "Hi {customer_first},\n\nour privacy team has your request and will reply within 30 days; we "
                    "may need to verify it comes from the account holder first.\n\n{agent}",
                ],
            ),
            _intent(
                ["DPA", "Sub-processors", "Data processing agreement", "Where is our data stored?"],
                [
                    "Our legal team needs your [signed |]{doc} before we can continue using Tallyflow.",
                    "Can you send us your {doc}? [It's for our vendor review.|]",
                    "Where is our data stored? [Our clients require EU data residency.|Is it in the EU?]",
                ],
                [
                    "Hi {customer_first},\n\nthe DPA and the sub-processor list are at https://tallyflow.example/"
                    "legal, and admins can sign the DPA under Settings → Workspace → Legal. Our compliance team "
                    "will send the rest.\n\n{agent}",
                ],
            ),
            _intent(
                ["Legal request", "Subpoena"],
                ["We received [a subpoena|a legal request] regarding one of our users. Who do we contact?"],
                [
                    "Hi {customer_first},\n\nI've forwarded this to our legal team, who will contact you directly.\n\n"
                    "{agent}"
                ],
            ),
        ],
        "subject_de": ["Auskunftsersuchen DSGVO", "Auftragsverarbeitungsvertrag"],
        "body_de": [
            "Gemäß Art. 15 DSGVO bitte ich um Auskunft über alle zu meiner Person gespeicherten Daten.",
            "Wir benötigen einen Auftragsverarbeitungsvertrag (AVV). Wo finden wir diesen?",
            "Bitte löschen Sie alle meine personenbezogenen Daten.",
        ],
    },
    "integrations": {
        "subject": ["Integration problem", "{integration} integration"],
        "intents": [
            _intent(
                ["{integration} not syncing", "Problem with {integration}", "{integration} sync broken"],
                [
                    "Our {integration} integration {integration_symptom}. [We reconnected it already.|Any idea?|]",
                    "{integration} {integration_symptom} [since {weekday}|for a few days]. [Our accountant is "
                    "waiting for the invoices.|]",
                    "The {integration} sync {integration_symptom}, [and|so] now our numbers don't match.",
                ],
                [
                    "Hi {customer_first},\n\nthe {integration} connection had expired. Please go to Settings → "
                    "Integrations → {integration}, click Disconnect, then Connect and sign in again; then press "
                    '"Sync now".\n\n{agent}',
                    "Hi {customer_first},\n\nI've looked at the sync log: the records were skipped because of [a "
                    'duplicate client name|a missing tax code]. Fixing that and pressing "Sync now" should bring '
                    "them over.\n\nBest,\n{agent}",
                ],
            ),
            _intent(
                ["Connect {integration}", "API question", "Zapier zap failing"],
                [
                    "[How do I connect|Can Tallyflow connect to] {integration}? [Couldn't find it under "
                    "integrations.|]",
                    "Is there an API endpoint to [create time entries|list invoices|update project budgets]? "
                    "[Getting {error} from /v2/projects.|]",
                ],
                [
                    "Hi {customer_first},\n\nyou'll find it under Settings → Integrations; for anything else our "
                    "REST API (Settings → API tokens) covers projects, time entries and invoices. The API docs are "
                    "linked from the same page.\n\n{agent}",
                ],
            ),
        ],
        "subject_de": ["{integration} synchronisiert nicht"],
        "body_de": [
            "Die Verbindung zu {integration} funktioniert seit {weekday} nicht mehr.",
            "Wie verbinde ich Tallyflow mit {integration}?",
        ],
    },
    "feature-request": {
        "subject": ["Feature request", "Idea", "Would love this feature", "Missing feature"],
        "intents": [
            _intent(
                ["Suggestion: {feature}", "Feature request", "Idea for {feature}"],
                [
                    "It would be great if {feature} could [also show|support] [multiple currencies|hours per "
                    "week|custom fields|sub-tasks].",
                    "[Feature request:|Suggestion:] let us {how_task} [in bulk|from the mobile app|via the API].",
                    "Our team [keeps asking|would love] for {feature} to work with [sub-tasks|recurring tasks|client "
                    "approvals].",
                ],
            ),
            _intent(
                ["Dark mode?", "Any plans for offline mode?", "Linux app?"],
                [
                    "Any plans for [a Linux desktop app|offline mode on mobile|a Gantt export to PDF|dark mode]? "
                    "[We'd really use it.|]",
                    "pls add dark mode",
                ],
            ),
        ],
        "subject_de": ["Feature-Wunsch"],
        "body_de": ["Es wäre toll, wenn {feature_de} auch mehrere Währungen unterstützen würde."],
    },
    "security": {
        "subject": ["Security issue", "Security question"],
        "intents": [
            _intent(
                ["Suspicious login", "Someone logged into my account"],
                [
                    "I got [an email|a notification] about a login from [another country|a device I don't know]. "
                    "[Was my account hacked?|I didn't do that.]"
                ],
                [
                    "Hi {customer_first},\n\nthank you for flagging this. We've signed out all sessions on your "
                    "account as a precaution; please set a new password and turn on two-factor authentication.\n\n"
                    "{agent}, Tallyflow Security",
                ],
            ),
            _intent(
                ["Lost 2FA device", "Can't log in with 2FA"],
                ["I lost my phone [with the authenticator app|] and can't log in with 2FA. [Can you reset it?|]"],
                [
                    "Hi {customer_first},\n\nwe can reset two-factor authentication once we've verified your "
                    "identity; our security team will contact you from this ticket with the next steps.\n\n{agent}",
                ],
            ),
            _intent(
                ["Phishing email?", "Security vulnerability report", "Bank details changed"],
                [
                    "I received an email asking me to [confirm my password|pay an invoice] that looks like it's "
                    "from Tallyflow. [Is this real?|Looks like phishing.]",
                    "I think I found a security [vulnerability|issue] in [the client portal|your API]. Where can I "
                    "report it responsibly?",
                    "[Someone|An unknown user] changed our bank details on invoices. [We didn't do that!|Urgent.]",
                ],
            ),
        ],
        "subject_de": ["Verdächtige Anmeldung"],
        "body_de": ["Ich habe eine Anmeldung aus einem anderen Land gesehen. Wurde mein Konto gehackt?"],
    },
}

# Second customer turn and the agent's closing reply (chosen by whether the first answer helped).
# How customers start a message that follows up on an earlier conversation (a new ticket about the same matter)
FOLLOWUP_PREFIXES = [
    "Following up on [our chat|my ticket|my email] from [last week|a few days ago|two weeks ago|yesterday] - ",
    "[Still|Again] about [my earlier question|the issue I reported]: ",
    "As discussed [in the chat|with your colleague] [yesterday|last week], ",
    "Re my previous [message|ticket]: ",
    "This is still not solved. ",
]
FOLLOWUP_OK = [
    "Thanks, that worked!",
    "perfect, thank you",
    "Great, all sorted. Thanks for the quick help!",
    "Got it, thanks.",
    "That fixed it 👍",
    "Super, danke!",
    "Thank you so much!",
    "ok thx",
]
FOLLOWUP_NOT_OK = [
    "That didn't help, it's still the same.",
    "I tried that already.",
    "Still not working.",
    "Hm, I don't see that option.",
    "It worked for a day and now it's broken again.",
]
AGENT_CLOSE_OK = [
    "Glad to hear it! I'll close this ticket, just reply if anything else comes up.\n\n{agent}",
    "You're welcome, have a great day!\n\n{agent}",
    "Happy to help, {customer_first}!\n\n{agent}",
]
AGENT_CLOSE_NOT_OK = [
    "Thanks for checking. I've passed this to our {queue} team with your details; they'll follow up here.\n\n{agent}",
    "Sorry about that. Could you send a screenshot of what you see? Then we'll take it from there.\n\n{agent}",
]

# German agent replies per category (German-speaking customers get answers in German).
REPLY_DE: dict[str, str] = {
    "billing": "Hallo {customer_first},\n\nalle Rechnungen finden Sie unter Einstellungen → Abrechnung → Rechnungen "
    "als PDF. Ich habe Ihnen {invoice_no} zusätzlich per E-Mail geschickt.\n\nViele Grüße\n{agent}",
    "billing/double-charge": "Hallo {customer_first},\n\nich habe Ihr Konto geprüft: Es wurde nur eine Zahlung über "
    "{amount} eingezogen. Die zweite Position ist eine bereits freigegebene Autorisierung, die Ihre Bank in wenigen "
    "Werktagen entfernt.\n\nViele Grüße\n{agent}",
    "billing/refund-status": "Hallo {customer_first},\n\ndie Erstattung über {amount} wurde am {date} veranlasst. "
    "Kartenerstattungen brauchen 5–10 Werktage; die Referenz für Ihre Bank lautet {reference}.\n\n"
    "Viele Grüße\n{agent}",
    "account/password-reset": "Hallo {customer_first},\n\nich habe Ihnen einen neuen Link zum Zurücksetzen "
    "geschickt. Er ist 60 Minuten gültig; bitte prüfen Sie auch den Spam-Ordner.\n\nViele Grüße\n{agent}",
    "account/permissions": "Hallo {customer_first},\n\nunter Einstellungen → Mitglieder können Admins die Rolle "
    "über das Menü neben dem Namen ändern.\n\nViele Grüße\n{agent}",
    "plan-upgrade": "Hallo {customer_first},\n\nein Upgrade gilt sofort und wird anteilig berechnet. Sie können es "
    "unter Einstellungen → Abrechnung → Tarif ändern selbst vornehmen.\n\nViele Grüße\n{agent}",
    "how-to": 'Hallo {customer_first},\n\ndas geht über das Menü "⋯" oben rechts im Projekt → Einstellungen. Eine '
    "Schritt-für-Schritt-Anleitung finden Sie unter https://help.tallyflow.example.\n\nViele Grüße\n{agent}",
    "bug-report": "Hallo {customer_first},\n\ndanke für die Meldung. Wir konnten den Fehler nachvollziehen und "
    "haben ihn als {bug_id} an unsere Entwickler gegeben.\n\nViele Grüße\n{agent}",
    "outage": "Hallo {customer_first},\n\nes gab eine Störung auf einem Teil unserer EU-Server; sie ist behoben und "
    "alle Daten sind vollständig. Details: https://status.tallyflow.example\n\nViele Grüße\n{agent}",
    "cancellation": "Hallo {customer_first},\n\nwir haben die Kündigung zum Ende des laufenden Zeitraums "
    "eingetragen; es erfolgt keine weitere Abbuchung.\n\nViele Grüße\n{agent}",
    "legal-privacy": "Hallo {customer_first},\n\nunser Datenschutzteam bearbeitet Ihre Anfrage innerhalb von 30 "
    "Tagen. Den AVV finden Sie unter https://tallyflow.example/legal.\n\nViele Grüße\n{agent}",
    "integrations": "Hallo {customer_first},\n\nbitte trennen Sie die Verbindung zu {integration} unter "
    'Einstellungen → Integrationen und verbinden Sie sie neu; danach "Jetzt synchronisieren".\n\nViele Grüße\n{agent}',
    "feature-request": "Hallo {customer_first},\n\nvielen Dank für den Vorschlag! Wir haben ihn mit Ihrem "
    "Anwendungsfall an unser Produktteam weitergegeben.\n\nViele Grüße\n{agent}",
    "security": "Hallo {customer_first},\n\nwir haben vorsorglich alle Sitzungen beendet. Bitte setzen Sie ein neues "
    "Passwort und aktivieren Sie die Zwei-Faktor-Authentifizierung.\n\nViele Grüße\n{agent}",
}

# Internal notes agents left on some tickets (never shown to the customer).
INTERNAL_NOTES: dict[str, list[str]] = {
    "billing/double-charge": [
        "Checked Stripe: one capture plus one released authorization hold. No refund needed.",
        "Confirmed duplicate capture (two charges within minutes). Refund requested from billing lead.",
    ],
    "billing/refund-status": ["Refund {reference} succeeded; processed as reversal, so no credit line will show."],
    "billing": ["Re-issued {invoice_no} with the VAT ID."],
    "bug-report": ["Reproduced on staging. Filed {bug_id}.", "Linked to {bug_id}, same error signature."],
    "integrations": ["OAuth token expired on their side; walked them through reconnecting."],
    "security": ["Sessions revoked, identity verified via billing contact. Security team informed."],
    "cancellation": ["Account manager informed. Renewal flagged at risk in the CRM."],
}

FOLLOWUP_OK_DE = ["Danke, das hat funktioniert!", "Super, vielen Dank!", "Perfekt, danke für die schnelle Hilfe."]
FOLLOWUP_NOT_OK_DE = ["Das hat leider nicht geholfen.", "Das habe ich schon versucht, geht immer noch nicht."]
AGENT_CLOSE_OK_DE = ["Freut mich! Ich schließe das Ticket, melden Sie sich gern jederzeit.\n\n{agent}"]
AGENT_CLOSE_NOT_OK_DE = [
    "Danke fürs Ausprobieren. Ich habe das an unser {queue}-Team weitergegeben; es meldet sich hier.\n\n{agent}",
]

# A second, smaller question some customers add to their message (from another category than the ticket's).
ASIDES: dict[str, list[str]] = {
    "billing": ["Also, can you send me the last invoice?", "And where do I change the card on file?"],
    "billing/double-charge": [
        "Also I think we were charged twice last month.",
        "Btw there are two payments on my card.",
    ],
    "billing/refund-status": ["And I'm still waiting for the refund you promised.", "Also where is my refund?"],
    "account/password-reset": [
        "Also {colleague} can't log in, reset link doesn't work.",
        "And I can't log in on my phone.",
    ],
    "account/permissions": ["Also how do I make {colleague} an admin?", "And can clients see our rates?"],
    "plan-upgrade": ["We're also thinking about upgrading to Business.", "Also, what would 5 more seats cost?"],
    "how-to": ["Also, how do I {how_task}?", "Unrelated: where do I find {feature}?"],
    "bug-report": ["Also {bug_symptom}.", "Btw I get {error} sometimes."],
    "outage": ["Also the app was really slow this morning.", "And yesterday nothing loaded for an hour."],
    "cancellation": ["Otherwise we'll have to cancel.", "Honestly thinking about cancelling."],
    "legal-privacy": ["Also, is our data stored in the EU?", "And we'd need your DPA at some point."],
    "integrations": [
        "Also our {integration} sync {integration_symptom}.",
        "And the {integration} integration is broken.",
    ],
    "feature-request": ["Would be great if {feature} supported sub-tasks.", "Also a dark mode would be nice."],
    "security": ["Also I got a weird login notification.", "And is 2FA available?"],
}

# Neighbouring categories agents sometimes filed a ticket under instead (history has label noise).
CONFUSABLE: dict[str, list[str]] = {
    "billing": ["plan-upgrade", "billing/refund-status"],
    "billing/double-charge": ["billing/refund-status", "billing"],
    "billing/refund-status": ["billing/double-charge", "billing"],
    "account/password-reset": ["security", "account/permissions"],
    "account/permissions": ["how-to", "plan-upgrade"],
    "plan-upgrade": ["billing", "account/permissions"],
    "how-to": ["feature-request", "account/permissions"],
    "bug-report": ["integrations", "outage", "how-to"],
    "outage": ["bug-report"],
    "cancellation": ["plan-upgrade", "billing"],
    "legal-privacy": ["security"],
    "integrations": ["bug-report", "how-to"],
    "feature-request": ["how-to"],
    "security": ["account/password-reset"],
}
