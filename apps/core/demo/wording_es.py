"""Spanish word banks for demo tickets: customers of Spanish-speaking accounts write (and are answered) in Spanish.

Same template syntax as ``wording`` (``[a|b]`` alternatives, ``{slot}`` values). Per category: ``subject``
lines, ``body`` phrasings (the first message without greeting or signature) and the agent's ``reply``.
"""

TEMPLATES_ES: dict[str, dict[str, list[str]]] = {
    "billing": {
        "subject": ["Factura de {month}", "Pregunta sobre la factura", "Datos de facturación"],
        "body": [
            "¿Dónde [puedo descargar|encuentro] la factura de {month}? [La necesita nuestro contable.|No la veo en "
            "la configuración.]",
            "¿Podéis añadir nuestro [NIF|CIF|número de IVA] {vat_id} a las facturas? En la factura {invoice_no} no "
            "aparece.",
            "Nos hemos mudado. ¿Cómo cambio la dirección de facturación?",
            "¿Qué significa la línea '{invoice_line}' de la factura {invoice_no}?",
            "El nombre de la empresa en la factura {invoice_no} está mal[ otra vez|]. ¿Podéis corregirlo?",
        ],
        "reply": [
            "Hola {customer_first}:\n\ntodas las facturas están en Configuración → Facturación → Facturas, cada una "
            "con su PDF. Te he reenviado {invoice_no} por correo.\n\nUn saludo,\n{agent}",
        ],
    },
    "billing/double-charge": {
        "subject": ["Cobro duplicado", "Me habéis cobrado dos veces"],
        "body": [
            "¿Por qué me habéis cobrado dos veces [este mes|el {date}]? En el banco veo dos cargos de {amount}.",
            "Tengo dos cargos iguales de {amount} en la tarjeta. [Solo tenemos un espacio de trabajo.|¿Podéis "
            "revisarlo?]",
        ],
        "reply": [
            "Hola {customer_first}:\n\nuno de los dos cargos es una retención temporal del banco y desaparecerá en "
            "unos días; solo se ha cobrado {invoice_no} una vez.\n\nUn saludo,\n{agent}",
        ],
    },
    "billing/refund-status": {
        "subject": ["Reembolso no recibido", "¿Dónde está mi reembolso?"],
        "body": [
            "Me confirmasteis un reembolso de {amount} el {date}, pero no ha llegado a mi tarjeta. ¿Cuándo llega?",
            "Sigo sin ver el reembolso en mi cuenta. [¿Podéis darme una referencia para el banco?|]",
        ],
        "reply": [
            "Hola {customer_first}:\n\nel reembolso salió el {date}; los bancos tardan de 5 a 10 días hábiles. La "
            "referencia para tu banco es {reference}.\n\nUn saludo,\n{agent}",
        ],
    },
    "account/password-reset": {
        "subject": ["No puedo entrar", "Problema con la contraseña", "Olvidé mi contraseña", "Acceso a la cuenta"],
        "body": [
            "[Olvidé|No recuerdo] mi contraseña y el correo para restablecerla no [llega|me ha llegado]. [Ya he "
            "mirado en spam.|]",
            "No consigo entrar en mi cuenta, me dice que la contraseña es incorrecta[ pero estoy seguro de que es "
            "esa|].",
            "¿Cómo cambio mi contraseña? El enlace de 'olvidé mi contraseña' [no hace nada|recarga la página].",
            "El enlace para restablecer la contraseña [ha caducado|dice que ya no es válido]. ¿Qué hago?",
            "No me deja acceder a Tallyflow [desde esta mañana|desde el lunes|hoy], [no me acuerdo de la contraseña"
            "|me pide una contraseña nueva]. ¿Me podéis ayudar?",
            "Me he quedado bloqueado después de varios intentos de inicio de sesión. [¿Cuánto tengo que esperar?|]",
            "no puedo entrar con mi [usuario|correo], [la contraseña no funciona|olvide la clave]",
            "Necesito [restablecer|recuperar|cambiar] la contraseña[ de mi cuenta|], [el correo de recuperación no "
            "llega|no sé dónde se hace|el enlace no funciona].",
            "[Desde ayer|Desde esta mañana|Hoy] no puedo iniciar sesión: [contraseña incorrecta|me sale un error "
            "de contraseña|no recuerdo la contraseña]. [¿Cómo la cambio?|¿Qué tengo que hacer?|]",
            "¿Me podéis enviar un enlace para crear una contraseña nueva? [No consigo iniciar sesión.|]",
        ],
        "reply": [
            "Hola {customer_first}:\n\nte he enviado un enlace nuevo para restablecer la contraseña: funciona una "
            "vez y caduca a los 60 minutos. Si no llega en 5 minutos, revisa la carpeta de spam.\n\n{agent}",
        ],
    },
    "account/permissions": {
        "subject": ["Permisos de usuario", "Roles del equipo"],
        "body": [
            "¿Cómo le doy permisos de administrador a {colleague}?",
            "¿Un usuario con rol Cliente puede ver nuestras tarifas? No queremos que las vea.",
            "¿Cómo añado a un compañero nuevo al espacio de trabajo?",
        ],
        "reply": [
            "Hola {customer_first}:\n\nen Configuración → Miembros puedes cambiar el rol de cada persona. Los "
            "clientes solo ven los proyectos que compartes con ellos.\n\nUn saludo,\n{agent}",
        ],
    },
    "plan-upgrade": {
        "subject": ["Cambiar a Business", "Plan anual"],
        "body": [
            "Queremos pasar al plan Business. ¿Cómo se calcula el precio si cambiamos a mitad de mes?",
            "¿Podemos pasar a facturación anual? [Somos {seats} personas.|]",
        ],
        "reply": [
            "Hola {customer_first}:\n\npuedes cambiar de plan en Configuración → Suscripción; pagas solo la "
            "diferencia proporcional del periodo actual.\n\n{agent}",
        ],
    },
    "how-to": {
        "subject": ["Pregunta sobre {feature}", "¿Cómo se hace?"],
        "body": [
            "¿Cómo puedo configurar facturas recurrentes para un cliente?",
            "¿Se puede exportar las horas de un proyecto a Excel? No encuentro la opción.",
            "¿Dónde se cambia la numeración de las facturas?",
        ],
        "reply": [
            'Hola {customer_first}:\n\nse hace desde el menú "⋯" arriba a la derecha del proyecto → Ajustes. En el '
            "centro de ayuda hay una guía paso a paso.\n\n{agent}",
        ],
    },
    "bug-report": {
        "subject": ["Error en Tallyflow", "Algo no funciona", "Mensaje de error {error}"],
        "body": [
            "Desde la última actualización el temporizador se para después de unos minutos. Usamos {browser}.",
            'Al guardar una factura sale "{error}". Ayer funcionaba.',
            "La importación de CSV [se salta|pierde] [la última fila|algunas filas].",
            "La exportación a CSV sale vacía[ desde ayer|].",
        ],
        "reply": [
            "Hola {customer_first}:\n\ngracias por avisar. Hemos reproducido el error y lo hemos pasado a nuestros "
            "ingenieros ({bug_id}). Te avisamos aquí cuando esté corregido.\n\n{agent}",
        ],
    },
    "outage": {
        "subject": ["¿Tallyflow está caído?", "La aplicación no carga"],
        "body": [
            "¿Hay una caída? La aplicación no carga [desde hace una hora|desde esta mañana].",
            "Todo va lentísimo y nadie del equipo puede trabajar.",
        ],
        "reply": [
            "Hola {customer_first}:\n\nhubo una incidencia en parte de nuestros servidores de la UE; ya está "
            "resuelta y no se han perdido datos. Más detalles en https://status.tallyflow.example.\n\n{agent}",
        ],
    },
    "cancellation": {
        "subject": ["Baja de la suscripción", "Cancelar el plan"],
        "body": [
            "Queremos cancelar nuestra suscripción al final del periodo. Por favor, confirmadlo.",
            "¿Cómo me doy de baja? Ya no necesitamos la herramienta.",
        ],
        "reply": [
            "Hola {customer_first}:\n\nhe programado la baja: el plan sigue activo hasta el final del periodo y no "
            "se te cobrará de nuevo.\n\n{agent}",
        ],
    },
    "legal-privacy": {
        "subject": ["Solicitud RGPD", "Contrato de encargo de tratamiento"],
        "body": [
            "Conforme al art. 15 del RGPD solicito una copia de todos mis datos personales.",
            "Necesitamos vuestro contrato de encargo de tratamiento (DPA). ¿Dónde lo encontramos?",
        ],
        "reply": [
            "Hola {customer_first}:\n\nnuestro equipo de privacidad tiene tu solicitud y responderá en un plazo de "
            "30 días.\n\n{agent}",
        ],
    },
    "integrations": {
        "subject": ["{integration} no sincroniza"],
        "body": [
            "La integración con {integration} no sincroniza desde el {weekday}.",
            "¿Cómo conecto Tallyflow con {integration}?",
        ],
        "reply": [
            "Hola {customer_first}:\n\nla conexión con {integration} había caducado. Ve a Configuración → "
            "Integraciones, desconéctala y vuelve a conectarla.\n\n{agent}",
        ],
    },
    "feature-request": {
        "subject": ["Sugerencia", "Nueva función"],
        "body": [
            "Estaría genial que las facturas admitieran varias monedas.",
            "¿Tenéis pensado añadir un modo oscuro?",
        ],
        "reply": [
            "Hola {customer_first}:\n\ngracias por la idea, la he añadido a nuestra lista de sugerencias para el "
            "equipo de producto.\n\n{agent}",
        ],
    },
    "security": {
        "subject": ["Inicio de sesión sospechoso"],
        "body": [
            "He visto un inicio de sesión desde otro país en mi cuenta. ¿Me han hackeado?",
            "He recibido un correo raro que pide mi contraseña de Tallyflow. ¿Es vuestro?",
        ],
        "reply": [
            "Hola {customer_first}:\n\nhemos cerrado todas las sesiones de tu cuenta. Cambia la contraseña y activa "
            "la verificación en dos pasos.\n\n{agent}",
        ],
    },
}

GREETINGS_ES = ["Hola,", "Buenos días,", "Hola equipo,", "Buenas tardes,", ""]
SIGNOFFS_ES = ["Gracias,\n{first}", "Un saludo,\n{name}", "Saludos,\n{name}\n{company}", "Muchas gracias,\n{first}"]
FOLLOWUP_OK_ES = ["¡Gracias, ya funciona!", "Perfecto, muchas gracias.", "Solucionado, gracias por la ayuda."]
FOLLOWUP_NOT_OK_ES = ["Sigue sin funcionar.", "Ya lo había probado y no funciona."]
AGENT_CLOSE_OK_ES = ["¡Me alegro! Cierro el ticket; escríbenos cuando quieras.\n\n{agent}"]
AGENT_CLOSE_NOT_OK_ES = ["Gracias por avisar. Lo he pasado al equipo de {queue}, te escribirán aquí.\n\n{agent}"]
