# The portal and the console, in Russian (the first language). Keep the same messages in en/main.ftl.
site-name = Реестр воинского учёта
console-name = Кабинет сотрудника
skip-to-content = Перейти к содержанию
nav-label = Основные разделы
nav-login = Вход
nav-home = Мои повестки
nav-extracts = Выписки
nav-corrections = Исправления
nav-reads = Кто смотрел мои данные
nav-search = Поиск граждан
nav-inbox = Запросы на исправление
nav-dashboard = Сводка
nav-campaigns = Призывные кампании
nav-regions = Регионы
logout = Выйти
footer-synthetic = Все данные в этом реестре вымышлены.
footer-log = Подписанный журнал реестра

login-title = Вход в реестр
login-intro = Войдите со своим логином и паролем. Сотрудникам нужен также одноразовый код.
login-login = Логин
login-password = Пароль
login-totp = Одноразовый код (для сотрудников)
login-totp-hint = Шесть цифр из приложения-аутентификатора. Гражданам оставить пустым.
login-submit = Войти

error-title = Не получилось
error-status = Код ответа:
error-back = Вернуться на главную
error-generic = Реестр не смог выполнить запрос.
error-forbidden = У вас нет права на это действие.
error-purpose-required = Укажите цель, с которой вы открываете эти данные: без неё чтение не допускается.
error-not-found = Такой записи нет.
error-invalid-credentials = Неверный логин, пароль или одноразовый код.
error-too-many-attempts = Слишком много неудачных попыток входа. Подождите несколько минут и попробуйте снова.
error-csrf-failed = Форма устарела или пришла не со страницы реестра. Откройте страницу заново и повторите.
error-cross-site-request = Запрос пришёл не со страницы реестра и отклонён.
error-invalid-form = Форма заполнена неверно.
error-invalid-request = Проверьте введённые данные.
error-summons-closed = Повестка уже закрыта: явка отмечена или она отменена.
error-already-served = Повестка уже вручена.
error-not-served = Повестка ещё не вручена.
error-region-not-operating = В этом регионе реестр пока не работает: электронную повестку разместить нельзя.
error-already-answered = На этот запрос уже дан ответ.
error-instant-in-past = Этот шаг нельзя записать задним числом.
error-too-many-excuses = У повестки слишком много уважительных причин.
error-too-large = Форма слишком большая.

home-title = Личный кабинет
home-off-title = Реестр в вашем регионе пока не работает
home-off-text = В регионе «{ $value }» электронный реестр воинского учёта ещё не введён в действие: электронные повестки там не размещаются. Сведения ниже — справочные.
home-in-force = Ограничения, действующие сейчас
home-in-force-none = Сейчас на вас не действует ни одно ограничение.
home-summonses = Повестки
home-summonses-none = Повесток нет.
summons-number = Повестка № { $value }
summons-timeline = Что было и что будет
step-done = Было:
step-ahead = Впереди:
step-void = Не наступит:

col-measure = Ограничение
col-since = С какого момента
col-summons = Повестка
col-subject = Что исправить
col-explanation = Объяснение
col-filed = Подан
col-due = Ответить до
col-status = Состояние
col-when = Когда
col-who = Кто
col-fields = Какие сведения
col-purpose = С какой целью
col-name = ФИО
col-field = Сведение
col-value = Значение
col-source = Источник
col-as-of = По состоянию на
col-lifted = Снято
col-region = Регион
col-date = День
col-agency = Ведомство
col-delivered = Передано

extracts-title = Выписки
extracts-intro = Реестр выдаёт два вида выписок с разным содержанием. Каждая подписана реестром, имеет номер и QR-код для проверки подлинности.
extract-summonses = Выписка из реестра повесток
extract-summonses-about = Все ваши повестки: номер, военкомат, цель, размещение, вручение и способ, дата явки, итог, и каждое ограничение с его началом и окончанием.
extract-record = Выписка из учётных данных
extract-record-about = Ваши учётные сведения (документы частично скрыты), состояние учёта, военкомат, категории, годность, специальность, звание, отсрочка и действующие ограничения.
extract-request-summonses = Получить выписку о повестках
extract-request-record = Получить выписку из учётных данных
extract-number = Выписка № { $value }
extract-pdf = Скачать PDF
extract-print = Страница для печати
extract-verify = Проверить подлинность

corrections-title = Исправление сведений
corrections-intro = Если сведения о вас или о повестке неверны, попросите их исправить. Военкомат обязан ответить в течение пяти рабочих дней.
corrections-mine = Мои запросы
corrections-none = Запросов пока нет.
corrections-new = Новый запрос
corrections-subject = Что исправить
corrections-fields = Сведения о вас
corrections-summonses = Повестки
corrections-explanation = Что не так и почему
corrections-proposed = Верное значение (если знаете)
corrections-evidence = Подтверждающий документ
corrections-evidence-hint = Например: «паспорт 4506 № …, выдан …» или «справка № 17 от 01.06.2025».
corrections-submit = Отправить запрос
correction-pending = Ждёт ответа
correction-late = Срок ответа истёк
correction-accepted = Принят, сведения исправлены
correction-rejected = Отклонён
subject-field = Сведение: { $value }
subject-summons = Повестка № { $value }

nav-notices = Уведомления
notices-title = Уведомления
notices-intro = Всё, что реестр сообщал вам, сначала самое новое. У каждого уведомления есть код: по нему любое уведомление, пришедшее по почте, можно проверить на странице проверки.
notices-verify = Проверить уведомление по коду
notices-none = Уведомлений пока нет.
notices-code = Код проверки
reads-title = Кто смотрел мои данные
reads-intro = Каждое чтение ваших сведений сотрудником или ведомством записывается в журнал реестра. Здесь все такие чтения, сначала самые новые.
reads-none = Никто, кроме вас, ваши сведения не читал.
reads-no-purpose = не указана (сведения без персональных документов)
reader-operator = Оператор реестра

search-title = Поиск граждан
search-intro = Найдите человека по ФИО и дате рождения, по СНИЛС или по паспорту. Каждый найденный записывается как чтение его сведений.
search-by-name = По ФИО и дате рождения
search-by-snils = По СНИЛС
search-by-passport = По паспорту
search-purpose = Цель (обязательна для спецслужб)
search-submit = Найти
search-found = { $n ->
    [0] Никого не найдено
    [one] Найден { $shown } человек
    [few] Найдено { $shown } человека
   *[other] Найдено { $shown } человек
}
count-persons = { $n ->
    [one] { $shown } человек
    [few] { $shown } человека
   *[other] { $shown } человек
}
count-summonses = { $n ->
    [one] { $shown } повестка
    [few] { $shown } повестки
   *[other] { $shown } повесток
}

person-title = Учётная запись
person-number = Номер в реестре: { $value }
person-record = Учётные сведения
person-sensitive = защищено
person-revealed = Показаны все сведения, включая защищённые. Чтение записано в журнал с указанной целью и видно гражданину.
person-reveal = Защищённые сведения
person-reveal-intro = Паспорт, СНИЛС, ИНН, адреса, телефон, почта и годность показываются только с указанием цели. Гражданин увидит, кто, когда и зачем их читал.
person-purpose = Цель просмотра
person-reveal-submit = Показать с указанной целью

issue-title = Выписать повестку
issue-appointment = Дата и время явки (местное время военкомата)
issue-address = Адрес явки
issue-address-hint = Если не указать, будет адрес военкомата.
issue-submit = Разместить повестку

edit-title = Изменить сведение
edit-value = Новое значение
edit-source-hint = Откуда сведения: документ или ведомство. Если не указать — вы.
edit-submit = Сохранить с источником

summons-to-person = Учётная запись гражданина
summons-purpose = Цель
summons-commissariat = Военкомат
summons-posted = Размещена
summons-appointment = Явиться
summons-served = Вручена
summons-deemed = Будет считаться врученной
summons-window = Срок явки истекает
summons-excuse = Уважительная причина
summons-appeared = Явка отмечена
summons-cancelled = Отменена
summons-measures = Ограничения по повестке
summons-measures-none = Ограничений нет.
summons-citizen-view = Как это видит гражданин
summons-steps = Записать шаг
measure-in-force = действует
step-appear = Явка
step-appear-about = Гражданин явился: все ограничения по повестке снимаются в этот момент.
step-appear-submit = Отметить явку
step-serve = Вручение
step-serve-how = Способ
step-serve-submit = Отметить вручение
step-excuse = Уважительная причина
step-excuse-reason = Причина
step-excuse-evidence = Подтверждающий документ
step-excuse-from = С (включительно)
step-excuse-to = По (включительно)
step-excuse-submit = Принять причину
step-cancel = Отмена повестки
step-cancel-reason = Причина отмены
step-cancel-court = или номер решения суда
step-cancel-hint = Укажите одно из двух.
step-cancel-submit = Отменить повестку

inbox-title = Запросы на исправление
inbox-intro = Открытые запросы граждан; сначала те, у которых срок ответа истекает раньше (просроченные — первыми).
inbox-none = Открытых запросов нет.
inbox-request = Запрос № { $value }
inbox-decision = Решение
inbox-accept = Принять и исправить
inbox-reject = Отклонить
inbox-answer = Ответ гражданину
inbox-value = Верное значение
inbox-submit = Ответить

dashboard-title = Сводка
dashboard-intro = { $n ->
    [one] Последний { $shown } день, по местному времени каждого региона.
    [few] Последние { $shown } дня, по местному времени каждого региона.
   *[other] Последние { $shown } дней, по местному времени каждого региона.
}
dashboard-by-region = Итоги по регионам
dashboard-by-day = Числа по дням
dashboard-breaches = Неподтверждённые передачи ведомствам
dashboard-breaches-intro = Ограничения, переданные ведомству, которое не подтвердило их получение в течение 24 часов.
dashboard-breaches-none = Нарушений нет: все передачи подтверждены вовремя.
metric-issued = Выписано
metric-served = Вручено
metric-appeared = Явились
metric-excused = Уважительная причина
metric-overdue = Не явились в срок
metric-in-force = Действующих ограничений

regions-title = Регионы
regions-intro = Работает ли реестр в регионе: «не работает» — электронные повестки не размещаются; «пилот» и «работает» — размещаются. Каждое переключение записывается в журнал.
regions-switch = Переключить
regions-submit = Сохранить
regions-state-of = Состояние региона { $value }
rollout-off = не работает
rollout-pilot = пилот
rollout-live = работает

status-posted = размещена
status-served = вручена
status-excused = уважительная причина принята
status-overdue = срок явки истёк
status-appeared = явка отмечена
status-cancelled = отменена
purpose-clarify-records = уточнение учётных данных
purpose-medical-examination = медицинское освидетельствование
purpose-call-up = призыв на военную службу
purpose-military-training = военные сборы
reason-illness-or-injury = болезнь или травма
reason-relative-grave-illness-or-funeral = тяжёлое заболевание или похороны близкого родственника
reason-circumstances-beyond-control = обстоятельства, не зависящие от гражданина
reason-other-accepted-by-commission = иная причина, признанная комиссией уважительной
served-deemed = по истечении 7 дней после размещения
served-in-person = лично
served-registered-mail = заказным письмом
served-account-opened = открыта в личном кабинете
lift-appearance = явка
lift-valid-reason = уважительная причина
lift-cancellation = отмена повестки
lift-court-decision = решение суда
role-citizen = гражданин
role-registrar = сотрудник военкомата
role-medical-commission = медицинская комиссия
role-supervisor = руководитель по региону
role-agency = ведомство
role-security-service = спецслужба
role-admin = администратор
role-operator = оператор реестра

field-surname = Фамилия
field-given-name = Имя
field-patronymic = Отчество
field-sex = Пол
field-birth-date = Дата рождения
field-birth-place = Место рождения
field-citizenship = Гражданство
field-passport-series = Серия паспорта
field-passport-number = Номер паспорта
field-passport-issuer = Кем выдан паспорт
field-passport-issuer-code = Код подразделения
field-passport-issue-date = Дата выдачи паспорта
field-snils = СНИЛС
field-inn = ИНН
field-registered-address = Адрес регистрации
field-actual-address = Фактический адрес
field-phone = Телефон
field-email = Электронная почта
field-education = Образование
field-employment = Место работы
field-marital-status = Семейное положение
field-children = Дети
field-fitness-category = Категория годности
field-military-specialty = Военно-учётная специальность
field-reserve-category = Категория запаса
field-rank = Воинское звание
field-registration-status = Состояние учёта
field-deferred-until = Отсрочка до
field-region = Регион
field-commissariat = Военкомат
# Not a field of the record: a read of the person's summonses.
field-summonses = Повестки

## Campaigns in the console
campaigns-title = Призывные кампании
campaigns-intro = Кампания выпускает повестки сразу многим: по квоте на каждый регион, людям выбранных годов рождения и состояния учёта. Сначала пробный расчёт, затем выпуск.
campaigns-new = Новая кампания
campaigns-none = Кампаний пока нет.
campaigns-back = Все кампании
col-campaign = Кампания
col-issued = Выпущено
col-quota = Квота
col-created = Создана
col-cohort = В когорте
col-held-open = Есть открытая повестка
col-eligible = Можно вызвать
col-would-issue = Будет выпущено
campaign-state-draft = черновик
campaign-state-issuing = идёт выпуск
campaign-state-done = завершена
campaign-spring = Весенний призыв { $value }
campaign-autumn = Осенний призыв { $value }
campaign-new-intro = Кампания сохраняется черновиком: повестки не выпускаются, пока вы не начнёте выпуск. Сразу после сохранения показывается пробный расчёт.
campaign-name = Название
campaign-cohort = Кого вызывают
campaign-born-from = Годы рождения с
campaign-born-to = Годы рождения по
campaign-statuses = Состояние учёта
campaign-only-commissariat = Только граждане, состоящие на учёте в военкомате { $value }.
campaign-appointments-title = Когда являться
campaign-appointments-from = Первый день явки
campaign-appointments-to = Последний день явки
campaign-appointment-time = Время явки (местное)
campaign-appointments-hint = Повестки распределяются по рабочим дням этого промежутка по очереди. Призыв проводится с 1 апреля по 15 июля и с 1 октября по 31 декабря.
campaign-quotas = Квоты по регионам
campaign-quotas-hint = Сколько повесток самое большее выпустить в каждом регионе. Оставьте поле пустым, если регион не участвует. Где реестр не работает, повестки не выпускаются.
campaign-quota-of = Квота: { $value }
campaign-create = Сохранить и сделать пробный расчёт
campaign-form-error = Кампания не сохранена
form-error-link = Перейти к полю
campaign-bad-quota = Квота — целое число от 1 до 10 000 000.
campaign-bad-quotas = Укажите квоту хотя бы для одного региона.
campaign-bad-purpose = Выберите цель повесток.
campaign-bad-born-from = Год рождения — четыре цифры, например 2005.
campaign-bad-born-to = Год рождения — четыре цифры, например 2007.
campaign-bad-statuses = Отметьте хотя бы одно состояние учёта.
campaign-bad-appointments-from = Укажите первый день явки датой.
campaign-bad-appointments-to = Укажите последний день явки датой.
campaign-bad-appointment-time = Укажите время явки в виде ЧЧ:ММ.
campaign-born = Годы рождения
campaign-appointments = Явка
campaign-created = Создана
campaign-started = Выпуск начат
campaign-finished = Выпуск завершён
campaign-progress = Ход выпуска
campaign-issued = Выпущено
campaign-region-finished = завершено
campaign-region-waiting = ждёт выпуска
campaign-region-issuing = идёт выпуск
campaign-issuing-note = Повестки выпускаются в фоне, пачками; если реестр перезапустится, выпуск продолжится с того же места. Обновите страницу, чтобы увидеть, сколько выпущено.
campaign-refresh = Обновить ход выпуска
campaign-done-note = Выпуск завершён: в каждом регионе достигнута квота или не осталось людей, которым можно выпустить повестку.
campaign-actions = Что дальше
campaign-dry-run = Пробный расчёт
campaign-dry-run-about = Посчитать, сколько повесток выпуск разместил бы сейчас. Показанные в примере люди увидят это чтение в своём кабинете.
campaign-dry-run-submit = Пересчитать
campaign-issue = Выпуск
campaign-issue-about = Повестки будут размещены в личных кабинетах и начнут действовать по закону. Остановить выпуск нельзя; отменить можно только каждую повестку отдельно.
campaign-issue-submit = Начать выпуск повесток
campaign-would-issue = Будет выпущено: { $value }
campaign-in-cohort = В когорте: { $value }
campaign-open-summonses = { $n ->
    [one] У { $shown } человека уже есть открытая повестка: новая ему не выпускается.
   *[other] У { $shown } человек уже есть открытая повестка: новые им не выпускаются.
}
campaign-sample = Кому будут выпущены повестки (пример)
campaign-sample-about = Только не защищённые сведения. Каждый показанный записан как чтение его сведений.
campaign-sample-none = Выпускать сейчас некому.
registration-registered = состоит на учёте
registration-deferred = отсрочка
registration-exempt = освобождён от призыва
error-campaign-name-empty = Дайте кампании название.
error-campaign-name-too-long = Название длиннее 200 знаков.
error-campaign-no-quotas = Укажите квоту хотя бы для одного региона.
error-campaign-duplicate-region = У региона может быть только одна квота.
error-campaign-quota-out-of-range = Квота региона — от 1 до 10 000 000.
error-campaign-commissariat-outside-quotas = Кампания военкомата проводится только в его регионе.
error-campaign-birth-years = Годы рождения: первый не позже последнего, не раньше 1900 года, всего не больше 60 лет.
error-campaign-no-statuses = Отметьте хотя бы одно состояние учёта.
error-campaign-status-not-eligible = Снятых с учёта не вызывают.
error-campaign-appointment-span = Дни явки: первый не позже последнего, всего не больше 366 дней.
error-campaign-no-working-day = Среди дней явки нет ни одного рабочего.
error-campaign-appointments-begun = Явка должна начинаться после сегодняшнего дня по местному времени каждого региона кампании.
error-campaign-outside-call-up-season = Призыв проводится с 1 апреля по 15 июля и с 1 октября по 31 декабря: все дни явки должны лежать в одном из этих промежутков.
error-campaign-wrong-state = Кампания уже выпускается или завершена: этого сейчас сделать нельзя.

## Notice preferences in the personal account
prefs-title = Уведомления по электронной почте
prefs-required = Обязательные уведомления приходят всегда и сразу, в кабинет и на почту: { $value }.
prefs-optional = Что ещё присылать на почту (в кабинете видно всё)
prefs-quiet = Тихие часы
prefs-quiet-hint = В эти часы (по местному времени вашего военкомата) необязательные письма ждут их окончания. Обязательные приходят сразу.
prefs-quiet-on = Включить тихие часы
prefs-quiet-from = С
prefs-quiet-to = До
prefs-submit = Сохранить настройки
error-empty-quiet-hours = Тихие часы должны начинаться и заканчиваться в разное время.
corrections-refused = Запрос не отправлен.
error-explanation-required = Объясните, что не так и почему.
error-field-too-long = Слишком длинный текст: сократите его.
error-correction-subject = Выберите, что исправить: сведение или повестку.
