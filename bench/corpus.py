"""Synthetic customer-support corpus in the real content format, for load benchmarks.

    python bench/corpus.py DEST [--n 10000] [--seed 0] [--langs en,ru,tr,az,fa,ar]
                                [--internal-share 0.1]

or, from Python (``bench/`` is a folder of scripts; its siblings ``import corpus``)::

    from corpus import generate
    articles = generate(Path("/tmp/kb-content"), 10_000, seed=0)

``generate`` writes exactly ``n`` article files as ``DEST/<lang>/<category>/<id>.md``
plus ``DEST/_meta/categories.yml`` (display names of the 12 categories in all six
languages) and returns one ``Generated`` per file. ``DEST`` then works as
``KB_CONTENT_DIR``; ``kb check`` finds no errors in it.

How the articles are made (see ``docs/content-format.md`` and ``kb/content.py``):

- Each article is a *concept*: one of ~125 support tasks (12 categories x ~10 tasks,
  e.g. "cancel my order"), optionally narrowed by a situation ("in the app", "as a
  guest", ...) and a country ("in Turkey", ...). That gives ~69,000 distinct concepts,
  so titles and ids never repeat; many articles share the task's and situation's words,
  as in a real FAQ, so search has to rank, not just match. About 40 % of the concepts
  (when the corpus is large enough) come from the short ones with at most one modifier.
- The title, 3 to 6 ``questions`` and the Markdown body (short-answer paragraph, a
  ``## `` heading, a bullet list, a closing paragraph with a ``kb:`` link to a related
  article; about 150 words) are assembled from hand-written phrases in English,
  Russian, Turkish, Azerbaijani, Persian and Arabic, with each language's own word
  order and grammatical forms.
- Translations work as in ``kb/content.py``: a translation is the file with the same
  ``id`` in another language folder; there is no ``translation_of`` or source key.
  The source language is ``en`` (``KB_SOURCE_LANG``); a non-English article without an
  English one would be reported, so every non-English article translates a generated
  English one (same id, category, audience and review date). About half the files
  are English; each other language translates a share of them, mostly the "popular"
  ones, so many ids exist in several languages and many only in English.
- ``audience: internal`` for about ``internal_share`` of the ids (translations follow
  their source), ``review_by`` a date in 2027.

Deterministic for a given ``seed`` (``random.Random(seed)``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

LANGS: tuple[str, ...] = ("en", "ru", "tr", "az", "fa", "ar")
SOURCE_LANG = "en"

# --- vocabulary ------------------------------------------------------------------------
# Every table lists one entry per language, in the order of LANGS.

# slug: display names (for _meta/categories.yml), the page customers open, 3 keywords
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "orders": (
        (
            "Orders and cancellation",
            "Заказы и отмена",
            "Siparişler ve iptal",
            "Sifarişlər və ləğvetmə",
            "سفارش‌ها و لغو سفارش",
            "الطلبات والإلغاء",
        ),
        ("My orders", "Мои заказы", "Siparişlerim", "Sifarişlərim", "سفارش‌های من", "طلباتي"),
        (
            "order|order status|checkout",
            "заказ|статус заказа|оформление заказа",
            "sipariş|sipariş durumu|sepet",
            "sifariş|sifariş statusu|səbət",
            "سفارش|وضعیت سفارش|سبد خرید",
            "الطلب|حالة الطلب|سلة التسوق",
        ),
    ),
    "shipping": (
        (
            "Shipping and delivery",
            "Доставка",
            "Kargo ve teslimat",
            "Göndərmə və çatdırılma",
            "ارسال و تحویل",
            "الشحن والتوصيل",
        ),
        (
            "Delivery options",
            "Способы доставки",
            "Teslimat seçenekleri",
            "Çatdırılma seçimləri",
            "روش‌های ارسال",
            "خيارات التوصيل",
        ),
        (
            "delivery|courier|parcel",
            "доставка|курьер|посылка",
            "teslimat|kargo|paket",
            "çatdırılma|kuryer|bağlama",
            "ارسال|پیک|مرسوله",
            "التوصيل|شركة الشحن|الطرد",
        ),
    ),
    "returns": (
        (
            "Returns and exchanges",
            "Возврат и обмен товара",
            "İade ve değişim",
            "Qaytarma və dəyişdirmə",
            "مرجوعی و تعویض کالا",
            "الإرجاع والاستبدال",
        ),
        ("My returns", "Мои возвраты", "İadelerim", "Qaytarmalarım", "مرجوعی‌های من", "مرتجعاتي"),
        (
            "return|exchange|return label",
            "возврат|обмен|этикетка",
            "iade|değişim|iade kodu",
            "qaytarma|dəyişdirmə|etiket",
            "مرجوعی|تعویض|برچسب",
            "الإرجاع|الاستبدال|الملصق",
        ),
    ),
    "refunds": (
        (
            "Refunds",
            "Возврат денег",
            "Para iadesi",
            "Pulun geri qaytarılması",
            "بازپرداخت وجه",
            "استرداد المبالغ",
        ),
        (
            "Refunds",
            "Возврат денег",
            "Para iadelerim",
            "Geri ödənişlərim",
            "بازپرداخت‌ها",
            "المبالغ المستردة",
        ),
        (
            "refund|money back|bank",
            "возврат денег|деньги|банк",
            "para iadesi|banka|hesap ekstresi",
            "geri ödəniş|pul|bank",
            "بازپرداخت|بازگشت وجه|بانک",
            "استرداد المبلغ|البنك|كشف الحساب",
        ),
    ),
    "payments": (
        (
            "Payments",
            "Оплата",
            "Ödeme",
            "Ödəniş",
            "پرداخت",
            "الدفع",
        ),
        (
            "Payment methods",
            "Способы оплаты",
            "Ödeme yöntemlerim",
            "Ödəniş üsullarım",
            "روش‌های پرداخت",
            "طرق الدفع",
        ),
        (
            "payment|card|invoice",
            "оплата|банковская карта|счёт",
            "ödeme|kredi kartı|fatura",
            "ödəniş|bank kartı|faktura",
            "پرداخت|کارت بانکی|فاکتور",
            "الدفع|البطاقة البنكية|الفاتورة",
        ),
    ),
    "account": (
        (
            "Your account and sign-in",
            "Учётная запись и вход",
            "Hesabınız ve giriş",
            "Hesabınız və giriş",
            "حساب کاربری و ورود",
            "حسابك وتسجيل الدخول",
        ),
        (
            "Account settings",
            "Настройки аккаунта",
            "Hesap ayarları",
            "Hesab parametrləri",
            "تنظیمات حساب",
            "إعدادات الحساب",
        ),
        (
            "account|sign-in|security",
            "аккаунт|вход|безопасность",
            "hesap|giriş|güvenlik",
            "hesab|giriş|təhlükəsizlik",
            "حساب کاربری|ورود|امنیت",
            "الحساب|تسجيل الدخول|الأمان",
        ),
    ),
    "warranty": (
        (
            "Warranty and repairs",
            "Гарантия и ремонт",
            "Garanti ve onarım",
            "Zəmanət və təmir",
            "گارانتی و تعمیر",
            "الضمان والإصلاح",
        ),
        (
            "Warranty claims",
            "Гарантийные заявки",
            "Garanti taleplerim",
            "Zəmanət müraciətlərim",
            "درخواست‌های گارانتی",
            "طلبات الضمان",
        ),
        (
            "warranty|repair|defect",
            "гарантия|ремонт|брак",
            "garanti|tamir|arıza",
            "zəmanət|təmir|qüsur",
            "گارانتی|تعمیر|خرابی",
            "الضمان|الإصلاح|العيب",
        ),
    ),
    "gift-cards": (
        (
            "Gift cards",
            "Подарочные карты",
            "Hediye kartları",
            "Hədiyyə kartları",
            "کارت هدیه",
            "بطاقات الهدايا",
        ),
        (
            "Gift cards",
            "Подарочные карты",
            "Hediye kartlarım",
            "Hədiyyə kartlarım",
            "کارت‌های هدیه من",
            "بطاقات الهدايا",
        ),
        (
            "gift card|voucher|balance",
            "подарочная карта|сертификат|баланс",
            "hediye kartı|hediye çeki|bakiye",
            "hədiyyə kartı|sertifikat|balans",
            "کارت هدیه|بن خرید|موجودی",
            "بطاقة الهدايا|القسيمة|الرصيد",
        ),
    ),
    "subscriptions": (
        (
            "Subscriptions",
            "Подписки",
            "Abonelikler",
            "Abunəliklər",
            "اشتراک‌ها",
            "الاشتراكات",
        ),
        (
            "My subscriptions",
            "Мои подписки",
            "Aboneliklerim",
            "Abunəliklərim",
            "اشتراک‌های من",
            "اشتراكاتي",
        ),
        (
            "subscription|plan|renewal",
            "подписка|тариф|продление",
            "abonelik|paket|yenileme",
            "abunəlik|tarif|yenilənmə",
            "اشتراک|طرح اشتراک|تمدید",
            "الاشتراك|الخطة|التجديد",
        ),
    ),
    "privacy": (
        (
            "Privacy and personal data",
            "Конфиденциальность и персональные данные",
            "Gizlilik ve kişisel veriler",
            "Məxfilik və şəxsi məlumatlar",
            "حریم خصوصی و اطلاعات شخصی",
            "الخصوصية والبيانات الشخصية",
        ),
        (
            "Privacy settings",
            "Настройки конфиденциальности",
            "Gizlilik ayarları",
            "Məxfilik parametrləri",
            "تنظیمات حریم خصوصی",
            "إعدادات الخصوصية",
        ),
        (
            "privacy|personal data|GDPR",
            "конфиденциальность|персональные данные|GDPR",
            "gizlilik|kişisel veriler|KVKK",
            "məxfilik|şəxsi məlumatlar|GDPR",
            "حریم خصوصی|اطلاعات شخصی|GDPR",
            "الخصوصية|البيانات الشخصية|GDPR",
        ),
    ),
    "loyalty": (
        (
            "Loyalty club",
            "Клуб лояльности",
            "Sadakat programı",
            "Loyallıq proqramı",
            "باشگاه مشتریان",
            "برنامج الولاء",
        ),
        (
            "Loyalty club",
            "Клуб лояльности",
            "Sadakat kulübü",
            "Loyallıq klubu",
            "باشگاه مشتریان",
            "نادي الولاء",
        ),
        (
            "loyalty|points|rewards",
            "лояльность|баллы|бонусы",
            "sadakat|puan|ödül",
            "loyallıq|bal|bonus",
            "باشگاه مشتریان|امتیاز|جایزه",
            "الولاء|النقاط|المكافآت",
        ),
    ),
    "stores": (
        (
            "Stores and pickup",
            "Магазины и самовывоз",
            "Mağazalar ve mağazadan teslim",
            "Mağazalar və mağazadan götürmə",
            "فروشگاه‌ها و تحویل حضوری",
            "المتاجر والاستلام",
        ),
        (
            "Store finder",
            "Поиск магазина",
            "Mağaza bulucu",
            "Mağaza axtarışı",
            "فروشگاه‌یاب",
            "البحث عن متجر",
        ),
        (
            "store|pickup|opening hours",
            "магазин|самовывоз|часы работы",
            "mağaza|mağazadan teslim|çalışma saatleri",
            "mağaza|mağazadan götürmə|iş saatları",
            "فروشگاه|تحویل حضوری|ساعت کاری",
            "المتجر|الاستلام|ساعات العمل",
        ),
    ),
}

# Tasks: (id slug, en, ru, tr, az, fa, ar), the fields of each language separated by "|":
#   en  "I" verb phrase | "you" verb phrase (empty: the same) | tag
#   ru  infinitive phrase (no possessive, so it fits "I" and "you") | tag
#   tr  "my" object | "your" object (empty: the same) | infinitive | "I can" form | tag
#   az  the same as tr
#   fa  "my" object | "your" object (empty: the same) | 1st person subjunctive | tag
#   ar  verbal noun | "my" object | "your" object (empty: the same) | tag
TASKS: dict[str, list[tuple[str, ...]]] = {
    "orders": [
        (
            "cancel-order",
            "cancel my order|cancel your order|order cancellation",
            "отменить заказ|отмена заказа",
            "siparişimi|siparişinizi|iptal etmek|iptal edebilirim|sipariş iptali",
            "sifarişimi|sifarişinizi|ləğv etmək|ləğv edə bilərəm|sifarişin ləğvi",
            "سفارشم را|سفارشتان را|لغو کنم|لغو سفارش",
            "إلغاء|طلبي|طلبك|إلغاء الطلب",
        ),
        (
            "change-delivery-address",
            "change the delivery address||delivery address",
            "изменить адрес доставки|адрес доставки",
            "teslimat adresini||değiştirmek|değiştirebilirim|teslimat adresi",
            "çatdırılma ünvanını||dəyişmək|dəyişə bilərəm|çatdırılma ünvanı",
            "آدرس تحویل را||تغییر دهم|آدرس تحویل",
            "تغيير|عنوان التوصيل||عنوان التوصيل",
        ),
        (
            "track-order",
            "track my order|track your order|order tracking",
            "отследить заказ|отслеживание заказа",
            "siparişimi|siparişinizi|takip etmek|takip edebilirim|sipariş takibi",
            "sifarişimi|sifarişinizi|izləmək|izləyə bilərəm|sifarişin izlənməsi",
            "سفارشم را|سفارشتان را|پیگیری کنم|پیگیری سفارش",
            "تتبع|طلبي|طلبك|تتبع الطلب",
        ),
        (
            "add-item-to-order",
            "add an item to my order|add an item to your order|order changes",
            "добавить товар в заказ|изменение заказа",
            "siparişime ürün|siparişinize ürün|eklemek|ekleyebilirim|sipariş değişikliği",
            "sifarişimə məhsul|sifarişinizə məhsul|əlavə etmək|əlavə edə bilərəm|sifarişdə dəyişiklik",
            "کالایی به سفارشم|کالایی به سفارشتان|اضافه کنم|تغییر سفارش",
            "إضافة|منتج إلى طلبي|منتج إلى طلبك|تعديل الطلب",
        ),
        (
            "remove-item-from-order",
            "remove an item from my order|remove an item from your order|order changes",
            "убрать товар из заказа|изменение заказа",
            "siparişimden bir ürünü|siparişinizden bir ürünü|çıkarmak|çıkarabilirim|sipariş değişikliği",
            "sifarişimdən məhsulu|sifarişinizdən məhsulu|çıxarmaq|çıxara bilərəm|sifarişdə dəyişiklik",
            "کالایی را از سفارشم|کالایی را از سفارشتان|حذف کنم|تغییر سفارش",
            "حذف|منتج من طلبي|منتج من طلبك|تعديل الطلب",
        ),
        (
            "combine-orders",
            "combine two orders||combined delivery",
            "объединить два заказа|объединение заказов",
            "iki siparişimi|iki siparişinizi|birleştirmek|birleştirebilirim|sipariş birleştirme",
            "iki sifarişimi|iki sifarişinizi|birləşdirmək|birləşdirə bilərəm|sifarişlərin birləşdirilməsi",
            "دو سفارشم را|دو سفارشتان را|یکی کنم|ادغام سفارش‌ها",
            "دمج|طلبين||دمج الطلبات",
        ),
        (
            "order-confirmation",
            "get an order confirmation||order confirmation",
            "получить подтверждение заказа|подтверждение заказа",
            "sipariş onayını||almak|alabilirim|sipariş onayı",
            "sifariş təsdiqini||almaq|ala bilərəm|sifariş təsdiqi",
            "تأیید سفارش را||دریافت کنم|تأیید سفارش",
            "الحصول على|تأكيد الطلب||تأكيد الطلب",
        ),
        (
            "reorder",
            "reorder a previous purchase||reorder",
            "повторить прошлый заказ|повторный заказ",
            "önceki siparişimi|önceki siparişinizi|tekrarlamak|tekrarlayabilirim|tekrar sipariş",
            "əvvəlki sifarişimi|əvvəlki sifarişinizi|təkrarlamaq|təkrarlaya bilərəm|təkrar sifariş",
            "سفارش قبلی‌ام را|سفارش قبلی‌تان را|دوباره ثبت کنم|سفارش مجدد",
            "تكرار|طلبي السابق|طلبك السابق|إعادة الطلب",
        ),
        (
            "pre-order",
            "pre-order a product||pre-order",
            "оформить предзаказ|предзаказ",
            "ön sipariş||vermek|verebilirim|ön sipariş",
            "ilkin sifariş||vermək|verə bilərəm|ilkin sifariş",
            "پیش‌سفارش||ثبت کنم|پیش‌سفارش",
            "تقديم|طلب مسبق||الطلب المسبق",
        ),
        (
            "order-status",
            "check my order status|check your order status|order status",
            "проверить статус заказа|статус заказа",
            "sipariş durumumu|sipariş durumunuzu|kontrol etmek|kontrol edebilirim|sipariş durumu",
            "sifarişimin statusunu|sifarişinizin statusunu|yoxlamaq|yoxlaya bilərəm|sifariş statusu",
            "وضعیت سفارشم را|وضعیت سفارشتان را|بررسی کنم|وضعیت سفارش",
            "معرفة|حالة طلبي|حالة طلبك|حالة الطلب",
        ),
        (
            "missing-item",
            "report a missing item||missing item",
            "сообщить о недостающем товаре|недостающий товар",
            "eksik ürünü||bildirmek|bildirebilirim|eksik ürün",
            "çatışmayan məhsulu||bildirmək|bildirə bilərəm|çatışmayan məhsul",
            "کالای جاافتاده را||گزارش کنم|کالای ناقص",
            "الإبلاغ عن|منتج ناقص||منتج ناقص",
        ),
        (
            "wrong-item",
            "report a wrong item||wrong item",
            "сообщить о неправильном товаре|неправильный товар",
            "yanlış gelen ürünü||bildirmek|bildirebilirim|yanlış ürün",
            "səhv gələn məhsulu||bildirmək|bildirə bilərəm|səhv məhsul",
            "کالای اشتباه را||گزارش کنم|کالای اشتباه",
            "الإبلاغ عن|منتج خاطئ||منتج خاطئ",
        ),
    ],
    "shipping": [
        (
            "express-delivery",
            "choose express delivery||express delivery",
            "выбрать экспресс-доставку|экспресс-доставка",
            "hızlı teslimatı||seçmek|seçebilirim|hızlı teslimat",
            "ekspress çatdırılmanı||seçmək|seçə bilərəm|ekspress çatdırılma",
            "ارسال سریع را||انتخاب کنم|ارسال سریع",
            "اختيار|التوصيل السريع||التوصيل السريع",
        ),
        (
            "delivery-time",
            "find out when my parcel will arrive|find out when your parcel will arrive|delivery time",
            "узнать срок доставки посылки|срок доставки",
            "kargomun ne zaman geleceğini|kargonuzun ne zaman geleceğini|öğrenmek|öğrenebilirim|teslimat süresi",
            "bağlamamın nə vaxt gələcəyini|bağlamanızın nə vaxt gələcəyini|öyrənmək|öyrənə bilərəm|çatdırılma müddəti",
            "زمان رسیدن مرسوله‌ام را|زمان رسیدن مرسوله‌تان را|بفهمم|زمان تحویل",
            "معرفة|موعد وصول طردي|موعد وصول طردك|مدة التوصيل",
        ),
        (
            "pickup-point",
            "send my parcel to a pickup point|send your parcel to a pickup point|pickup point",
            "получить посылку в пункте выдачи|пункт выдачи",
            "kargomu teslimat noktasına|kargonuzu teslimat noktasına|göndermek|gönderebilirim|teslimat noktası",
            "bağlamamı təhvil məntəqəsinə|bağlamanızı təhvil məntəqəsinə|göndərmək|göndərə bilərəm|təhvil məntəqəsi",
            "مرسوله‌ام را به نقطه تحویل|مرسوله‌تان را به نقطه تحویل|بفرستم|نقطه تحویل",
            "إرسال|طردي إلى نقطة استلام|طردك إلى نقطة استلام|نقطة الاستلام",
        ),
        (
            "shipping-cost",
            "check the shipping cost||shipping cost",
            "узнать стоимость доставки|стоимость доставки",
            "kargo ücretini||öğrenmek|öğrenebilirim|kargo ücreti",
            "çatdırılma haqqını||öyrənmək|öyrənə bilərəm|çatdırılma haqqı",
            "هزینه ارسال را||بدانم|هزینه ارسال",
            "معرفة|تكلفة الشحن||تكلفة الشحن",
        ),
        (
            "free-shipping",
            "get free shipping||free shipping",
            "получить бесплатную доставку|бесплатная доставка",
            "ücretsiz kargodan||yararlanmak|yararlanabilirim|ücretsiz kargo",
            "pulsuz çatdırılmadan||yararlanmaq|yararlana bilərəm|pulsuz çatdırılma",
            "از ارسال رایگان||استفاده کنم|ارسال رایگان",
            "الحصول على|الشحن المجاني||الشحن المجاني",
        ),
        (
            "damaged-parcel",
            "report a damaged parcel||damaged parcel",
            "сообщить о повреждённой посылке|повреждённая посылка",
            "hasarlı kargoyu||bildirmek|bildirebilirim|hasarlı kargo",
            "zədələnmiş bağlamanı||bildirmək|bildirə bilərəm|zədələnmiş bağlama",
            "مرسوله آسیب‌دیده را||گزارش کنم|مرسوله آسیب‌دیده",
            "الإبلاغ عن|طرد تالف||طرد تالف",
        ),
        (
            "delivery-slot",
            "choose a delivery time slot||delivery slot",
            "выбрать интервал доставки|интервал доставки",
            "teslimat saatini||seçmek|seçebilirim|teslimat saati",
            "çatdırılma saatını||seçmək|seçə bilərəm|çatdırılma saatı",
            "بازه زمانی تحویل را||انتخاب کنم|بازه تحویل",
            "اختيار|موعد التوصيل||موعد التوصيل",
        ),
        (
            "customs-fees",
            "pay customs fees||customs",
            "оплатить таможенные пошлины|таможня",
            "gümrük vergisini||ödemek|ödeyebilirim|gümrük",
            "gömrük rüsumunu||ödəmək|ödəyə bilərəm|gömrük",
            "عوارض گمرکی را||پرداخت کنم|گمرک",
            "دفع|الرسوم الجمركية||الجمارك",
        ),
        (
            "redirect-parcel",
            "redirect my parcel|redirect your parcel|parcel redirection",
            "перенаправить посылку|переадресация посылки",
            "kargomu başka bir adrese|kargonuzu başka bir adrese|yönlendirmek|yönlendirebilirim|kargo yönlendirme",
            "bağlamamı başqa ünvana|bağlamanızı başqa ünvana|yönləndirmək|yönləndirə bilərəm|bağlamanın yönləndirilməsi",
            "مرسوله‌ام را به آدرس دیگری|مرسوله‌تان را به آدرس دیگری|بفرستم|تغییر مسیر مرسوله",
            "تحويل|طردي إلى عنوان آخر|طردك إلى عنوان آخر|تحويل الطرد",
        ),
        (
            "lost-parcel",
            "report a lost parcel||lost parcel",
            "сообщить о потерянной посылке|потерянная посылка",
            "kaybolan kargoyu||bildirmek|bildirebilirim|kayıp kargo",
            "itmiş bağlamanı||bildirmək|bildirə bilərəm|itmiş bağlama",
            "گم شدن مرسوله را||گزارش کنم|مرسوله گمشده",
            "الإبلاغ عن|طرد مفقود||طرد مفقود",
        ),
        (
            "leave-with-neighbour",
            "have my parcel left with a neighbour|have your parcel left with a neighbour|safe place",
            "оставить посылку у соседей|доставка соседям",
            "kargomu komşuya|kargonuzu komşuya|bıraktırmak|bıraktırabilirim|komşuya teslim",
            "bağlamamı qonşuya|bağlamanızı qonşuya|təhvil verdirmək|təhvil verdirə bilərəm|qonşuya təhvil",
            "مرسوله‌ام را به همسایه|مرسوله‌تان را به همسایه|بسپارم|تحویل به همسایه",
            "ترك|طردي لدى الجيران|طردك لدى الجيران|التسليم للجيران",
        ),
    ],
    "returns": [
        (
            "return-item",
            "return an item||return",
            "вернуть товар|возврат товара",
            "bir ürünü||iade etmek|iade edebilirim|ürün iadesi",
            "məhsulu||qaytarmaq|qaytara bilərəm|məhsulun qaytarılması",
            "کالا را||مرجوع کنم|مرجوعی کالا",
            "إرجاع|منتج||إرجاع المنتج",
        ),
        (
            "exchange-size",
            "exchange an item for another size||exchange",
            "обменять товар на другой размер|обмен размера",
            "ürünü başka bir bedenle||değiştirmek|değiştirebilirim|beden değişimi",
            "məhsulu başqa ölçü ilə||dəyişmək|dəyişə bilərəm|ölçü dəyişimi",
            "کالا را با سایز دیگری||عوض کنم|تعویض سایز",
            "استبدال|منتج بمقاس آخر||استبدال المقاس",
        ),
        (
            "return-label",
            "get a return label||return label",
            "получить этикетку для возврата|этикетка возврата",
            "iade etiketini||almak|alabilirim|iade etiketi",
            "qaytarma etiketini||almaq|ala bilərəm|qaytarma etiketi",
            "برچسب مرجوعی را||دریافت کنم|برچسب مرجوعی",
            "الحصول على|ملصق الإرجاع||ملصق الإرجاع",
        ),
        (
            "return-status",
            "check my return status|check your return status|return status",
            "проверить статус возврата|статус возврата",
            "iade durumumu|iade durumunuzu|kontrol etmek|kontrol edebilirim|iade durumu",
            "qaytarmanın statusunu||yoxlamaq|yoxlaya bilərəm|qaytarma statusu",
            "وضعیت مرجوعی‌ام را|وضعیت مرجوعی‌تان را|بررسی کنم|وضعیت مرجوعی",
            "معرفة|حالة المرتجع||حالة الإرجاع",
        ),
        (
            "return-deadline",
            "check the return deadline||return period",
            "узнать срок возврата|срок возврата",
            "iade süresini||öğrenmek|öğrenebilirim|iade süresi",
            "qaytarma müddətini||öyrənmək|öyrənə bilərəm|qaytarma müddəti",
            "مهلت مرجوعی را||بدانم|مهلت مرجوعی",
            "معرفة|مهلة الإرجاع||مهلة الإرجاع",
        ),
        (
            "return-drop-off",
            "drop off a return at a parcel shop||return drop-off",
            "сдать возврат в пункте приёма|пункт приёма",
            "iade paketimi kargo şubesine|iade paketinizi kargo şubesine|teslim etmek|teslim edebilirim|iade teslimi",
            "qaytarma bağlamamı kuryer məntəqəsinə|qaytarma bağlamanızı kuryer məntəqəsinə|təhvil vermək|təhvil verə bilərəm|qaytarmanın təhvili",
            "بسته مرجوعی‌ام را در دفتر پست|بسته مرجوعی‌تان را در دفتر پست|تحویل بدهم|تحویل مرجوعی",
            "تسليم|طرد الإرجاع في نقطة الشحن||تسليم المرتجع",
        ),
        (
            "return-opened",
            "return an opened product||opened items",
            "вернуть вскрытый товар|вскрытая упаковка",
            "ambalajı açılmış ürünü||iade etmek|iade edebilirim|açılmış ürün",
            "qablaşdırması açılmış məhsulu||qaytarmaq|qaytara bilərəm|açılmış məhsul",
            "کالای بازشده را||مرجوع کنم|کالای بازشده",
            "إرجاع|منتج مفتوح||منتج مفتوح",
        ),
        (
            "return-gift",
            "return a gift I received|return a gift you received|gift return",
            "вернуть подаренный товар|возврат подарка",
            "hediye gelen ürünü||iade etmek|iade edebilirim|hediye iadesi",
            "hədiyyə aldığım məhsulu|hədiyyə aldığınız məhsulu|qaytarmaq|qaytara bilərəm|hədiyyənin qaytarılması",
            "کالایی را که هدیه گرفته‌ام|کالایی را که هدیه گرفته‌اید|مرجوع کنم|مرجوعی هدیه",
            "إرجاع|هدية وصلتني|هدية وصلتك|إرجاع الهدية",
        ),
        (
            "cancel-return",
            "cancel a return||return cancellation",
            "отменить возврат|отмена возврата",
            "iade talebimi|iade talebinizi|iptal etmek|iptal edebilirim|iade iptali",
            "qaytarma sorğumu|qaytarma sorğunuzu|ləğv etmək|ləğv edə bilərəm|qaytarmanın ləğvi",
            "درخواست مرجوعی‌ام را|درخواست مرجوعی‌تان را|لغو کنم|لغو مرجوعی",
            "إلغاء|طلب الإرجاع||إلغاء الإرجاع",
        ),
        (
            "return-large-item",
            "return a large item||bulky items",
            "вернуть крупногабаритный товар|крупногабаритный товар",
            "büyük boyutlu bir ürünü||iade etmek|iade edebilirim|büyük ürün",
            "iri həcmli məhsulu||qaytarmaq|qaytara bilərəm|iri həcmli məhsul",
            "کالای حجیم را||مرجوع کنم|کالای حجیم",
            "إرجاع|منتج كبير الحجم||المنتجات الكبيرة",
        ),
        (
            "non-returnable",
            "find out which items cannot be returned||non-returnable items",
            "узнать, какие товары нельзя вернуть|невозвратные товары",
            "hangi ürünlerin iade edilemeyeceğini||öğrenmek|öğrenebilirim|iade edilemeyen ürünler",
            "hansı məhsulların qaytarılmadığını||öyrənmək|öyrənə bilərəm|qaytarılmayan məhsullar",
            "کالاهای غیرقابل مرجوع را||بشناسم|کالای غیرقابل مرجوع",
            "معرفة|المنتجات غير القابلة للإرجاع||منتجات لا تقبل الإرجاع",
        ),
    ],
    "refunds": [
        (
            "refund-time",
            "find out when I get my money back|find out when you get your money back|refund time",
            "узнать, когда вернут деньги|срок возврата денег",
            "paramın ne zaman iade edileceğini|paranızın ne zaman iade edileceğini|öğrenmek|öğrenebilirim|iade süresi",
            "pulumun nə vaxt qaytarılacağını|pulunuzun nə vaxt qaytarılacağını|öyrənmək|öyrənə bilərəm|geri ödəmə müddəti",
            "زمان بازگشت پولم را|زمان بازگشت پولتان را|بدانم|زمان بازپرداخت",
            "معرفة|موعد استرداد أموالي|موعد استرداد أموالك|مدة الاسترداد",
        ),
        (
            "refund-missing",
            "chase a missing refund||refund not received",
            "выяснить, почему не пришёл возврат денег|деньги не вернулись",
            "gelmeyen para iademi|gelmeyen para iadenizi|takip etmek|takip edebilirim|iade gelmedi",
            "gəlməyən geri ödənişimi|gəlməyən geri ödənişinizi|izləmək|izləyə bilərəm|geri ödəniş gəlmədi",
            "بازپرداختی را که نرسیده||پیگیری کنم|بازپرداخت نرسیده",
            "متابعة|مبلغ مسترد لم يصل||استرداد لم يصل",
        ),
        (
            "partial-refund",
            "get a partial refund||partial refund",
            "получить частичный возврат денег|частичный возврат",
            "kısmi para iadesi||almak|alabilirim|kısmi iade",
            "qismən geri ödəniş||almaq|ala bilərəm|qismən geri ödəniş",
            "بازپرداخت جزئی||بگیرم|بازپرداخت جزئی",
            "الحصول على|استرداد جزئي||استرداد جزئي",
        ),
        (
            "refund-other-card",
            "get my refund on a different card|get your refund on a different card|refund method",
            "получить возврат на другую карту|способ возврата",
            "iademi başka bir karta|iadenizi başka bir karta|almak|alabilirim|iade yöntemi",
            "geri ödənişi başqa karta||almaq|ala bilərəm|geri ödəniş üsulu",
            "بازپرداخت را روی کارت دیگری||بگیرم|روش بازپرداخت",
            "استلام|المبلغ المسترد على بطاقة أخرى||طريقة الاسترداد",
        ),
        (
            "refund-shipping-cost",
            "get the shipping cost refunded||shipping refund",
            "вернуть стоимость доставки|возврат за доставку",
            "kargo ücretimi|kargo ücretinizi|geri almak|geri alabilirim|kargo ücreti iadesi",
            "çatdırılma haqqımı|çatdırılma haqqınızı|geri almaq|geri ala bilərəm|çatdırılma haqqının qaytarılması",
            "هزینه ارسال را||پس بگیرم|بازگشت هزینه ارسال",
            "استرداد|تكلفة الشحن||استرداد رسوم الشحن",
        ),
        (
            "refund-cancelled-order",
            "get a refund for a cancelled order||cancelled order",
            "вернуть деньги за отменённый заказ|отменённый заказ",
            "iptal edilen siparişin parasını||geri almak|geri alabilirim|iptal edilen sipariş",
            "ləğv edilmiş sifarişin pulunu||geri almaq|geri ala bilərəm|ləğv edilmiş sifariş",
            "پول سفارش لغوشده را||پس بگیرم|سفارش لغوشده",
            "استرداد|ثمن طلب ملغى||طلب ملغى",
        ),
        (
            "refund-gift-card",
            "get my refund on a gift card|get your refund on a gift card|refund to gift card",
            "получить возврат на подарочную карту|возврат на подарочную карту",
            "iademi hediye kartına|iadenizi hediye kartına|almak|alabilirim|hediye kartına iade",
            "geri ödənişi hədiyyə kartına||almaq|ala bilərəm|hədiyyə kartına qaytarma",
            "بازپرداخت را روی کارت هدیه||بگیرم|بازپرداخت به کارت هدیه",
            "استلام|المبلغ المسترد على بطاقة هدايا||الاسترداد إلى بطاقة هدايا",
        ),
        (
            "refund-amount",
            "query a refund amount that looks wrong||refund amount",
            "оспорить неверную сумму возврата|сумма возврата",
            "yanlış iade tutarına||itiraz etmek|itiraz edebilirim|iade tutarı",
            "səhv geri ödəniş məbləğinə||etiraz etmək|etiraz edə bilərəm|geri ödəniş məbləği",
            "به مبلغ اشتباه بازپرداخت||اعتراض کنم|مبلغ بازپرداخت",
            "الاعتراض على|مبلغ استرداد غير صحيح||مبلغ الاسترداد",
        ),
        (
            "refund-bank-transfer",
            "get a refund by bank transfer||bank transfer",
            "получить возврат банковским переводом|банковский перевод",
            "iademi banka havalesiyle|iadenizi banka havalesiyle|almak|alabilirim|banka havalesi",
            "geri ödənişi bank köçürməsi ilə||almaq|ala bilərəm|bank köçürməsi",
            "بازپرداخت را با حواله بانکی||بگیرم|حواله بانکی",
            "استلام|المبلغ المسترد بتحويل بنكي||تحويل بنكي",
        ),
        (
            "refund-price-drop",
            "get a refund after a price drop||price adjustment",
            "вернуть разницу после снижения цены|снижение цены",
            "fiyat düştükten sonra farkı||geri almak|geri alabilirim|fiyat farkı",
            "qiymət düşdükdən sonra fərqi||geri almaq|geri ala bilərəm|qiymət fərqi",
            "مابه‌التفاوت کاهش قیمت را||پس بگیرم|کاهش قیمت",
            "استرداد|فرق السعر بعد التخفيض||فرق السعر",
        ),
    ],
    "payments": [
        (
            "payment-declined",
            "fix a declined payment||payment declined",
            "решить проблему с отклонённым платежом|платёж отклонён",
            "reddedilen ödememi|reddedilen ödemenizi|tamamlamak|tamamlayabilirim|ödeme reddedildi",
            "rədd edilən ödənişimi|rədd edilən ödənişinizi|tamamlamaq|tamamlaya bilərəm|ödəniş rədd edildi",
            "مشکل پرداخت ردشده را||حل کنم|پرداخت ناموفق",
            "حل مشكلة|دفعة مرفوضة||رفض الدفع",
        ),
        (
            "charged-twice",
            "fix a double charge||double charge",
            "вернуть деньги за двойное списание|двойное списание",
            "iki kez çekilen ödemeyi||geri almak|geri alabilirim|çift çekim",
            "iki dəfə tutulan ödənişi||geri almaq|geri ala bilərəm|ikiqat ödəniş",
            "مبلغی را که دو بار کسر شده||پس بگیرم|کسر دوباره",
            "استرداد|مبلغ خصم مرتين||خصم مزدوج",
        ),
        (
            "instalments",
            "pay in instalments||instalments",
            "оплатить покупку в рассрочку|рассрочка",
            "taksitle||ödemek|ödeyebilirim|taksit",
            "hissə-hissə||ödəmək|ödəyə bilərəm|taksit",
            "قسطی||پرداخت کنم|پرداخت اقساطی",
            "الدفع|بالتقسيط||التقسيط",
        ),
        (
            "add-card",
            "add a new card||saved cards",
            "добавить новую карту|сохранённые карты",
            "yeni bir kart||eklemek|ekleyebilirim|kayıtlı kartlar",
            "yeni kart||əlavə etmək|əlavə edə bilərəm|yadda saxlanmış kartlar",
            "کارت جدیدی||اضافه کنم|کارت‌های ذخیره‌شده",
            "إضافة|بطاقة جديدة||البطاقات المحفوظة",
        ),
        (
            "remove-card",
            "remove a saved card||saved cards",
            "удалить сохранённую карту|сохранённые карты",
            "kayıtlı kartımı|kayıtlı kartınızı|silmek|silebilirim|kayıtlı kartlar",
            "yadda saxlanmış kartımı|yadda saxlanmış kartınızı|silmək|silə bilərəm|yadda saxlanmış kartlar",
            "کارت ذخیره‌شده‌ام را|کارت ذخیره‌شده‌تان را|حذف کنم|کارت‌های ذخیره‌شده",
            "حذف|بطاقة محفوظة||البطاقات المحفوظة",
        ),
        (
            "pay-with-paypal",
            "pay with PayPal||PayPal",
            "оплатить через PayPal|PayPal",
            "PayPal ile||ödemek|ödeyebilirim|PayPal",
            "PayPal ilə||ödəmək|ödəyə bilərəm|PayPal",
            "با پی‌پال||پرداخت کنم|پی‌پال",
            "الدفع|عبر PayPal||PayPal",
        ),
        (
            "pay-with-apple-pay",
            "pay with Apple Pay||Apple Pay",
            "оплатить через Apple Pay|Apple Pay",
            "Apple Pay ile||ödemek|ödeyebilirim|Apple Pay",
            "Apple Pay ilə||ödəmək|ödəyə bilərəm|Apple Pay",
            "با اپل‌پی||پرداخت کنم|اپل‌پی",
            "الدفع|عبر Apple Pay||Apple Pay",
        ),
        (
            "cash-on-delivery",
            "pay cash on delivery||cash on delivery",
            "оплатить наличными при получении|оплата при получении",
            "kapıda nakit||ödemek|ödeyebilirim|kapıda ödeme",
            "çatdırılma zamanı nağd||ödəmək|ödəyə bilərəm|nağd ödəniş",
            "در محل به‌صورت نقدی||پرداخت کنم|پرداخت در محل",
            "الدفع|نقدا عند الاستلام||الدفع عند الاستلام",
        ),
        (
            "get-invoice",
            "get an invoice||invoice",
            "получить счёт-фактуру|счёт-фактура",
            "fatura||almak|alabilirim|fatura",
            "faktura||almaq|ala bilərəm|faktura",
            "فاکتور||بگیرم|فاکتور",
            "الحصول على|فاتورة||الفاتورة",
        ),
        (
            "promo-code",
            "use a promo code||promo code",
            "применить промокод|промокод",
            "indirim kodunu||kullanmak|kullanabilirim|indirim kodu",
            "promo koddan||istifadə etmək|istifadə edə bilərəm|promo kod",
            "کد تخفیف را||وارد کنم|کد تخفیف",
            "استخدام|رمز ترويجي||الرمز الترويجي",
        ),
        (
            "pay-other-currency",
            "pay in another currency||currency",
            "оплатить в другой валюте|валюта",
            "başka bir para biriminde||ödemek|ödeyebilirim|para birimi",
            "başqa valyutada||ödəmək|ödəyə bilərəm|valyuta",
            "با ارز دیگری||پرداخت کنم|ارز",
            "الدفع|بعملة أخرى||العملة",
        ),
    ],
    "account": [
        (
            "reset-password",
            "reset my password|reset your password|password",
            "сбросить пароль|пароль",
            "şifremi|şifrenizi|sıfırlamak|sıfırlayabilirim|şifre",
            "şifrəmi|şifrənizi|sıfırlamaq|sıfırlaya bilərəm|şifrə",
            "رمز عبورم را|رمز عبورتان را|بازنشانی کنم|رمز عبور",
            "إعادة تعيين|كلمة المرور||كلمة المرور",
        ),
        (
            "change-email",
            "change my email address|change your email address|email address",
            "изменить адрес электронной почты|электронная почта",
            "e-posta adresimi|e-posta adresinizi|değiştirmek|değiştirebilirim|e-posta adresi",
            "e-poçt ünvanımı|e-poçt ünvanınızı|dəyişmək|dəyişə bilərəm|e-poçt ünvanı",
            "ایمیلم را|ایمیلتان را|تغییر دهم|ایمیل",
            "تغيير|بريدي الإلكتروني|بريدك الإلكتروني|البريد الإلكتروني",
        ),
        (
            "create-account",
            "create an account||registration",
            "создать аккаунт|регистрация",
            "hesap||oluşturmak|oluşturabilirim|üyelik",
            "hesab||yaratmaq|yarada bilərəm|qeydiyyat",
            "حساب کاربری||بسازم|ثبت‌نام",
            "إنشاء|حساب||التسجيل",
        ),
        (
            "delete-account",
            "delete my account|delete your account|account deletion",
            "удалить аккаунт|удаление аккаунта",
            "hesabımı|hesabınızı|silmek|silebilirim|hesap silme",
            "hesabımı|hesabınızı|silmək|silə bilərəm|hesabın silinməsi",
            "حسابم را|حسابتان را|حذف کنم|حذف حساب",
            "حذف|حسابي|حسابك|حذف الحساب",
        ),
        (
            "two-factor",
            "turn on two-factor sign-in||two-factor",
            "включить двухфакторную аутентификацию|двухфакторная аутентификация",
            "iki adımlı doğrulamayı||açmak|açabilirim|iki adımlı doğrulama",
            "iki mərhələli doğrulamanı||aktivləşdirmək|aktivləşdirə bilərəm|iki mərhələli doğrulama",
            "ورود دومرحله‌ای را||فعال کنم|ورود دومرحله‌ای",
            "تفعيل|التحقق بخطوتين||التحقق بخطوتين",
        ),
        (
            "change-phone",
            "change my phone number|change your phone number|phone number",
            "изменить номер телефона|номер телефона",
            "telefon numaramı|telefon numaranızı|değiştirmek|değiştirebilirim|telefon numarası",
            "telefon nömrəmi|telefon nömrənizi|dəyişmək|dəyişə bilərəm|telefon nömrəsi",
            "شماره تلفنم را|شماره تلفنتان را|تغییر دهم|شماره تلفن",
            "تغيير|رقم هاتفي|رقم هاتفك|رقم الهاتف",
        ),
        (
            "unlock-account",
            "unlock my account|unlock your account|locked account",
            "разблокировать аккаунт|блокировка аккаунта",
            "kilitlenen hesabımı|kilitlenen hesabınızı|açmak|açabilirim|hesap kilidi",
            "bloklanmış hesabımı|bloklanmış hesabınızı|açmaq|aça bilərəm|hesabın bloklanması",
            "حساب قفل‌شده‌ام را|حساب قفل‌شده‌تان را|باز کنم|قفل حساب",
            "فتح|حسابي المقفل|حسابك المقفل|قفل الحساب",
        ),
        (
            "merge-accounts",
            "merge two accounts||merge accounts",
            "объединить два аккаунта|объединение аккаунтов",
            "iki hesabımı|iki hesabınızı|birleştirmek|birleştirebilirim|hesap birleştirme",
            "iki hesabımı|iki hesabınızı|birləşdirmək|birləşdirə bilərəm|hesabların birləşdirilməsi",
            "دو حسابم را|دو حسابتان را|ادغام کنم|ادغام حساب‌ها",
            "دمج|حسابين||دمج الحسابات",
        ),
        (
            "change-name",
            "change the name on my account|change the name on your account|account name",
            "изменить имя в аккаунте|имя в аккаунте",
            "hesabımdaki adı|hesabınızdaki adı|değiştirmek|değiştirebilirim|hesap adı",
            "hesabımdakı adı|hesabınızdakı adı|dəyişmək|dəyişə bilərəm|hesab adı",
            "نام حسابم را|نام حسابتان را|تغییر دهم|نام حساب",
            "تغيير|الاسم في حسابي|الاسم في حسابك|اسم الحساب",
        ),
        (
            "sign-out-everywhere",
            "sign out on all devices||sessions",
            "выйти из аккаунта на всех устройствах|сеансы",
            "tüm cihazlarda oturumumu|tüm cihazlarda oturumunuzu|kapatmak|kapatabilirim|oturumlar",
            "bütün cihazlarda hesabımdan|bütün cihazlarda hesabınızdan|çıxmaq|çıxa bilərəm|sessiyalar",
            "از حسابم در همه دستگاه‌ها|از حسابتان در همه دستگاه‌ها|خارج شوم|نشست‌ها",
            "تسجيل الخروج|من جميع الأجهزة||الجلسات",
        ),
        (
            "account-language",
            "change the language of my account|change the language of your account|language settings",
            "сменить язык аккаунта|язык",
            "hesabımın dilini|hesabınızın dilini|değiştirmek|değiştirebilirim|dil ayarı",
            "hesabımın dilini|hesabınızın dilini|dəyişmək|dəyişə bilərəm|dil parametri",
            "زبان حسابم را|زبان حسابتان را|تغییر دهم|تنظیمات زبان",
            "تغيير|لغة حسابي|لغة حسابك|إعدادات اللغة",
        ),
    ],
    "warranty": [
        (
            "warranty-claim",
            "make a warranty claim||warranty claim",
            "подать гарантийную заявку|гарантийная заявка",
            "garanti talebi||oluşturmak|oluşturabilirim|garanti talebi",
            "zəmanət müraciəti||etmək|edə bilərəm|zəmanət müraciəti",
            "درخواست گارانتی||ثبت کنم|درخواست گارانتی",
            "تقديم|طلب ضمان||طلب الضمان",
        ),
        (
            "warranty-period",
            "check how long my warranty lasts|check how long your warranty lasts|warranty period",
            "узнать срок гарантии|срок гарантии",
            "garanti süremi|garanti sürenizi|öğrenmek|öğrenebilirim|garanti süresi",
            "zəmanət müddətimi|zəmanət müddətinizi|öyrənmək|öyrənə bilərəm|zəmanət müddəti",
            "مدت گارانتی را||بدانم|مدت گارانتی",
            "معرفة|مدة الضمان||مدة الضمان",
        ),
        (
            "repair-status",
            "check the status of my repair|check the status of your repair|repair status",
            "узнать статус ремонта|статус ремонта",
            "tamir durumunu||öğrenmek|öğrenebilirim|tamir durumu",
            "təmirin statusunu||öyrənmək|öyrənə bilərəm|təmir statusu",
            "وضعیت تعمیر را||پیگیری کنم|وضعیت تعمیر",
            "متابعة|حالة الإصلاح||حالة الإصلاح",
        ),
        (
            "extended-warranty",
            "buy an extended warranty||extended warranty",
            "купить расширенную гарантию|расширенная гарантия",
            "uzatılmış garanti||satın almak|satın alabilirim|uzatılmış garanti",
            "əlavə zəmanət||almaq|ala bilərəm|əlavə zəmanət",
            "گارانتی تمدیدی||بخرم|گارانتی تمدیدی",
            "شراء|ضمان ممتد||الضمان الممتد",
        ),
        (
            "warranty-certificate",
            "find my warranty certificate|find your warranty certificate|warranty certificate",
            "найти гарантийный талон|гарантийный талон",
            "garanti belgemi|garanti belgenizi|bulmak|bulabilirim|garanti belgesi",
            "zəmanət talonumu|zəmanət talonunuzu|tapmaq|tapa bilərəm|zəmanət talonu",
            "کارت گارانتی‌ام را|کارت گارانتی‌تان را|پیدا کنم|کارت گارانتی",
            "العثور على|شهادة الضمان||شهادة الضمان",
        ),
        (
            "defective-product",
            "report a defective product||defective product",
            "сообщить о бракованном товаре|брак",
            "arızalı ürünü||bildirmek|bildirebilirim|arızalı ürün",
            "qüsurlu məhsulu||bildirmək|bildirə bilərəm|qüsurlu məhsul",
            "کالای معیوب را||گزارش کنم|کالای معیوب",
            "الإبلاغ عن|منتج معيب||منتج معيب",
        ),
        (
            "replacement-device",
            "get a replacement device||replacement",
            "получить замену устройства|замена устройства",
            "yedek cihaz||almak|alabilirim|cihaz değişimi",
            "əvəzedici cihaz||almaq|ala bilərəm|cihazın dəyişdirilməsi",
            "دستگاه جایگزین||بگیرم|تعویض دستگاه",
            "الحصول على|جهاز بديل||الجهاز البديل",
        ),
        (
            "send-for-repair",
            "send a product for repair||repair",
            "отправить товар в ремонт|ремонт",
            "ürünü tamire||göndermek|gönderebilirim|tamir",
            "məhsulu təmirə||göndərmək|göndərə bilərəm|təmir",
            "کالا را برای تعمیر||بفرستم|تعمیر",
            "إرسال|منتج للإصلاح||الإصلاح",
        ),
        (
            "warranty-transfer",
            "transfer my warranty to a new owner|transfer your warranty to a new owner|warranty transfer",
            "передать гарантию новому владельцу|передача гарантии",
            "garantimi yeni sahibine|garantinizi yeni sahibine|devretmek|devredebilirim|garanti devri",
            "zəmanəti yeni sahibinə||ötürmək|ötürə bilərəm|zəmanətin ötürülməsi",
            "گارانتی را به مالک جدید||منتقل کنم|انتقال گارانتی",
            "نقل|الضمان إلى مالك جديد||نقل الضمان",
        ),
        (
            "repair-cost",
            "find out what a repair costs||repair cost",
            "узнать стоимость ремонта|стоимость ремонта",
            "tamir ücretini||öğrenmek|öğrenebilirim|tamir ücreti",
            "təmirin qiymətini||öyrənmək|öyrənə bilərəm|təmir qiyməti",
            "هزینه تعمیر را||بدانم|هزینه تعمیر",
            "معرفة|تكلفة الإصلاح||تكلفة الإصلاح",
        ),
    ],
    "gift-cards": [
        (
            "buy-gift-card",
            "buy a gift card||gift card",
            "купить подарочную карту|подарочная карта",
            "hediye kartı||satın almak|satın alabilirim|hediye kartı",
            "hədiyyə kartı||almaq|ala bilərəm|hədiyyə kartı",
            "کارت هدیه||بخرم|کارت هدیه",
            "شراء|بطاقة هدايا||بطاقة الهدايا",
        ),
        (
            "gift-card-balance",
            "check my gift card balance|check your gift card balance|balance",
            "проверить баланс подарочной карты|баланс карты",
            "hediye kartı bakiyemi|hediye kartı bakiyenizi|sorgulamak|sorgulayabilirim|bakiye",
            "hədiyyə kartının balansını||yoxlamaq|yoxlaya bilərəm|balans",
            "موجودی کارت هدیه‌ام را|موجودی کارت هدیه‌تان را|ببینم|موجودی",
            "معرفة|رصيد بطاقة الهدايا||الرصيد",
        ),
        (
            "redeem-gift-card",
            "redeem a gift card||redeem",
            "активировать подарочную карту|активация карты",
            "hediye kartımı|hediye kartınızı|kullanmak|kullanabilirim|hediye kartı kullanımı",
            "hədiyyə kartından||istifadə etmək|istifadə edə bilərəm|hədiyyə kartından istifadə",
            "از کارت هدیه||استفاده کنم|استفاده از کارت هدیه",
            "استخدام|بطاقة الهدايا||استخدام البطاقة",
        ),
        (
            "lost-gift-card",
            "replace a lost gift card||lost gift card",
            "восстановить потерянную подарочную карту|потерянная карта",
            "kaybolan hediye kartımı|kaybolan hediye kartınızı|yenilemek|yenileyebilirim|kayıp hediye kartı",
            "itirdiyim hədiyyə kartını|itirdiyiniz hədiyyə kartını|bərpa etmək|bərpa edə bilərəm|itmiş hədiyyə kartı",
            "کارت هدیه گمشده‌ام را|کارت هدیه گمشده‌تان را|جایگزین کنم|کارت هدیه گمشده",
            "استبدال|بطاقة هدايا مفقودة||بطاقة مفقودة",
        ),
        (
            "gift-card-expiry",
            "check when my gift card expires|check when your gift card expires|expiry date",
            "узнать срок действия подарочной карты|срок действия",
            "hediye kartımın son kullanma tarihini|hediye kartınızın son kullanma tarihini|öğrenmek|öğrenebilirim|son kullanma tarihi",
            "hədiyyə kartımın bitmə tarixini|hədiyyə kartınızın bitmə tarixini|öyrənmək|öyrənə bilərəm|bitmə tarixi",
            "تاریخ انقضای کارت هدیه‌ام را|تاریخ انقضای کارت هدیه‌تان را|بدانم|تاریخ انقضا",
            "معرفة|تاريخ انتهاء بطاقة الهدايا||تاريخ الانتهاء",
        ),
        (
            "e-gift-card",
            "send an e-gift card by email||e-gift card",
            "отправить электронную подарочную карту по почте|электронная карта",
            "dijital hediye kartını e-postayla||göndermek|gönderebilirim|dijital hediye kartı",
            "elektron hədiyyə kartını e-poçtla||göndərmək|göndərə bilərəm|elektron hədiyyə kartı",
            "کارت هدیه الکترونیکی را با ایمیل||بفرستم|کارت هدیه الکترونیکی",
            "إرسال|بطاقة هدايا إلكترونية بالبريد الإلكتروني||بطاقة هدايا إلكترونية",
        ),
        (
            "two-gift-cards",
            "use two gift cards on one order||several gift cards",
            "оплатить заказ двумя подарочными картами|несколько карт",
            "tek siparişte iki hediye kartı||kullanmak|kullanabilirim|birden fazla kart",
            "bir sifarişdə iki hədiyyə kartından||istifadə etmək|istifadə edə bilərəm|bir neçə kart",
            "از دو کارت هدیه برای یک سفارش||استفاده کنم|چند کارت هدیه",
            "استخدام|بطاقتي هدايا في طلب واحد||عدة بطاقات",
        ),
        (
            "gift-card-code-invalid",
            "fix a gift card code that does not work||invalid code",
            "исправить ошибку с кодом подарочной карты|неверный код",
            "çalışmayan hediye kartı kodumu|çalışmayan hediye kartı kodunuzu|düzeltmek|düzeltebilirim|geçersiz kod",
            "işləməyən hədiyyə kartı kodumu|işləməyən hədiyyə kartı kodunuzu|düzəltmək|düzəldə bilərəm|yanlış kod",
            "مشکل کد کارت هدیه را||حل کنم|کد نامعتبر",
            "حل مشكلة|رمز بطاقة هدايا لا يعمل||رمز غير صالح",
        ),
        (
            "corporate-gift-cards",
            "order gift cards for my company|order gift cards for your company|corporate gift cards",
            "заказать подарочные карты для компании|корпоративные карты",
            "şirketim için hediye kartı|şirketiniz için hediye kartı|sipariş etmek|sipariş edebilirim|kurumsal hediye kartı",
            "şirkətim üçün hədiyyə kartları|şirkətiniz üçün hədiyyə kartları|sifariş etmək|sifariş edə bilərəm|korporativ hədiyyə kartı",
            "برای شرکتم کارت هدیه|برای شرکتتان کارت هدیه|سفارش بدهم|کارت هدیه سازمانی",
            "طلب|بطاقات هدايا لشركتي|بطاقات هدايا لشركتك|بطاقات الشركات",
        ),
        (
            "gift-card-cash",
            "get cash back for a gift card||gift card cash",
            "обменять подарочную карту на деньги|обмен на деньги",
            "hediye kartımı nakde|hediye kartınızı nakde|çevirmek|çevirebilirim|nakit iade",
            "hədiyyə kartını nağd pula||çevirmək|çevirə bilərəm|nağd pul",
            "کارت هدیه را به پول نقد||تبدیل کنم|تبدیل به پول نقد",
            "استبدال|بطاقة الهدايا بمبلغ نقدي||استرداد نقدي",
        ),
    ],
    "subscriptions": [
        (
            "cancel-subscription",
            "cancel my subscription|cancel your subscription|subscription",
            "отменить подписку|подписка",
            "aboneliğimi|aboneliğinizi|iptal etmek|iptal edebilirim|abonelik",
            "abunəliyimi|abunəliyinizi|ləğv etmək|ləğv edə bilərəm|abunəlik",
            "اشتراکم را|اشتراکتان را|لغو کنم|اشتراک",
            "إلغاء|اشتراكي|اشتراكك|الاشتراك",
        ),
        (
            "pause-subscription",
            "pause my subscription|pause your subscription|pause",
            "приостановить подписку|пауза подписки",
            "aboneliğimi|aboneliğinizi|dondurmak|dondurabilirim|abonelik dondurma",
            "abunəliyimi|abunəliyinizi|dayandırmaq|dayandıra bilərəm|abunəliyin dayandırılması",
            "اشتراکم را|اشتراکتان را|موقتاً متوقف کنم|توقف اشتراک",
            "إيقاف|اشتراكي مؤقتا|اشتراكك مؤقتا|إيقاف مؤقت",
        ),
        (
            "change-plan",
            "switch to a different plan||plans",
            "перейти на другой тариф|тарифы",
            "başka bir pakete||geçmek|geçebilirim|paketler",
            "başqa tarifə||keçmək|keçə bilərəm|tariflər",
            "طرح اشتراکم را|طرح اشتراکتان را|عوض کنم|طرح‌های اشتراک",
            "الانتقال|إلى خطة أخرى||الخطط",
        ),
        (
            "delivery-frequency",
            "change my delivery frequency|change your delivery frequency|delivery frequency",
            "изменить частоту доставки|частота доставки",
            "teslimat sıklığımı|teslimat sıklığınızı|değiştirmek|değiştirebilirim|teslimat sıklığı",
            "çatdırılma tezliyimi|çatdırılma tezliyinizi|dəyişmək|dəyişə bilərəm|çatdırılma tezliyi",
            "دفعات ارسال را||تغییر دهم|دفعات ارسال",
            "تغيير|عدد مرات التوصيل||مواعيد التوصيل الدورية",
        ),
        (
            "skip-delivery",
            "skip the next delivery||skip",
            "пропустить следующую доставку|пропуск доставки",
            "bir sonraki teslimatı||atlamak|atlayabilirim|teslimat atlama",
            "növbəti çatdırılmanı||buraxmaq|buraxa bilərəm|çatdırılmanı buraxmaq",
            "ارسال بعدی را||به تعویق بیندازم|تعویق ارسال",
            "تخطي|التوصيل القادم||تخطي التوصيل",
        ),
        (
            "auto-renewal",
            "turn off automatic renewal||auto-renewal",
            "отключить автопродление|автопродление",
            "otomatik yenilemeyi||kapatmak|kapatabilirim|otomatik yenileme",
            "avtomatik yenilənməni||söndürmək|söndürə bilərəm|avtomatik yenilənmə",
            "تمدید خودکار را||غیرفعال کنم|تمدید خودکار",
            "إيقاف|التجديد التلقائي||التجديد التلقائي",
        ),
        (
            "subscription-card",
            "update the card for my subscription|update the card for your subscription|subscription payment",
            "обновить карту для оплаты подписки|оплата подписки",
            "abonelik ödeme kartımı|abonelik ödeme kartınızı|güncellemek|güncelleyebilirim|abonelik ödemesi",
            "abunəlik üçün ödəniş kartımı|abunəlik üçün ödəniş kartınızı|yeniləmək|yeniləyə bilərəm|abunəlik ödənişi",
            "کارت پرداخت اشتراکم را|کارت پرداخت اشتراکتان را|به‌روز کنم|پرداخت اشتراک",
            "تحديث|بطاقة الدفع لاشتراكي|بطاقة الدفع لاشتراكك|دفع الاشتراك",
        ),
        (
            "free-trial",
            "start a free trial||free trial",
            "оформить бесплатный пробный период|пробный период",
            "ücretsiz deneme||başlatmak|başlatabilirim|ücretsiz deneme",
            "pulsuz sınaq müddətini||başlatmaq|başlada bilərəm|pulsuz sınaq",
            "دوره آزمایشی رایگان را||شروع کنم|دوره آزمایشی",
            "بدء|فترة تجريبية مجانية||الفترة التجريبية",
        ),
        (
            "subscription-refund",
            "get a refund for an unused subscription month||subscription refund",
            "вернуть деньги за неиспользованный месяц подписки|возврат за подписку",
            "kullanmadığım abonelik ayının ücretini|kullanmadığınız abonelik ayının ücretini|geri almak|geri alabilirim|abonelik iadesi",
            "istifadə etmədiyim abunəlik ayının pulunu|istifadə etmədiyiniz abunəlik ayının pulunu|geri almaq|geri ala bilərəm|abunəlik üzrə geri ödəniş",
            "هزینه ماه استفاده‌نشده اشتراک را||پس بگیرم|بازپرداخت اشتراک",
            "استرداد|رسوم شهر اشتراك غير مستخدم||استرداد الاشتراك",
        ),
        (
            "subscription-add-product",
            "add a product to my subscription|add a product to your subscription|subscription box",
            "добавить товар в подписку|состав подписки",
            "aboneliğime ürün|aboneliğinize ürün|eklemek|ekleyebilirim|abonelik içeriği",
            "abunəliyimə məhsul|abunəliyinizə məhsul|əlavə etmək|əlavə edə bilərəm|abunəliyin tərkibi",
            "محصولی به اشتراکم|محصولی به اشتراکتان|اضافه کنم|محتوای اشتراک",
            "إضافة|منتج إلى اشتراكي|منتج إلى اشتراكك|محتوى الاشتراك",
        ),
    ],
    "privacy": [
        (
            "download-data",
            "download my personal data|download your personal data|data export",
            "скачать свои персональные данные|выгрузка данных",
            "kişisel verilerimi|kişisel verilerinizi|indirmek|indirebilirim|veri dışa aktarma",
            "şəxsi məlumatlarımı|şəxsi məlumatlarınızı|yükləmək|yükləyə bilərəm|məlumatların ixracı",
            "اطلاعات شخصی‌ام را|اطلاعات شخصی‌تان را|دانلود کنم|دریافت اطلاعات",
            "تنزيل|بياناتي الشخصية|بياناتك الشخصية|تصدير البيانات",
        ),
        (
            "delete-data",
            "have my personal data deleted|have your personal data deleted|data deletion",
            "удалить свои персональные данные|удаление данных",
            "kişisel verilerimi|kişisel verilerinizi|sildirmek|sildirebilirim|veri silme",
            "şəxsi məlumatlarımı|şəxsi məlumatlarınızı|sildirmək|sildirə bilərəm|məlumatların silinməsi",
            "اطلاعات شخصی‌ام را|اطلاعات شخصی‌تان را|پاک کنم|حذف اطلاعات",
            "حذف|بياناتي الشخصية|بياناتك الشخصية|حذف البيانات",
        ),
        (
            "newsletter",
            "unsubscribe from the newsletter||newsletter",
            "отписаться от рассылки|рассылка",
            "bültenden||çıkmak|çıkabilirim|bülten",
            "xəbər bülletenindən||imtina etmək|imtina edə bilərəm|xəbər bülleteni",
            "اشتراک خبرنامه را||لغو کنم|خبرنامه",
            "إلغاء الاشتراك في|النشرة الإخبارية||النشرة الإخبارية",
        ),
        (
            "cookie-settings",
            "change my cookie settings|change your cookie settings|cookies",
            "изменить настройки файлов cookie|cookie",
            "çerez ayarlarımı|çerez ayarlarınızı|değiştirmek|değiştirebilirim|çerezler",
            "kuki parametrlərimi|kuki parametrlərinizi|dəyişmək|dəyişə bilərəm|kukilər",
            "تنظیمات کوکی را||تغییر دهم|کوکی‌ها",
            "تغيير|إعدادات ملفات تعريف الارتباط||ملفات تعريف الارتباط",
        ),
        (
            "marketing-sms",
            "stop marketing text messages||SMS",
            "отключить рекламные SMS|SMS-рассылка",
            "reklam SMS'lerini||durdurmak|durdurabilirim|SMS",
            "reklam SMS-lərini||dayandırmaq|dayandıra bilərəm|SMS",
            "پیامک‌های تبلیغاتی را||قطع کنم|پیامک تبلیغاتی",
            "إيقاف|الرسائل النصية الترويجية||الرسائل النصية",
        ),
        (
            "data-usage",
            "find out how my data is used|find out how your data is used|data use",
            "узнать, как используются персональные данные|использование данных",
            "verilerimin nasıl kullanıldığını|verilerinizin nasıl kullanıldığını|öğrenmek|öğrenebilirim|veri kullanımı",
            "məlumatlarımın necə istifadə olunduğunu|məlumatlarınızın necə istifadə olunduğunu|öyrənmək|öyrənə bilərəm|məlumatlardan istifadə",
            "نحوه استفاده از اطلاعاتم را|نحوه استفاده از اطلاعاتتان را|بدانم|استفاده از اطلاعات",
            "معرفة|كيفية استخدام بياناتي|كيفية استخدام بياناتك|استخدام البيانات",
        ),
        (
            "correct-data",
            "correct wrong personal data||data correction",
            "исправить неверные персональные данные|исправление данных",
            "yanlış kişisel verilerimi|yanlış kişisel verilerinizi|düzeltmek|düzeltebilirim|veri düzeltme",
            "səhv şəxsi məlumatlarımı|səhv şəxsi məlumatlarınızı|düzəltmək|düzəldə bilərəm|məlumatların düzəldilməsi",
            "اطلاعات شخصی نادرستم را|اطلاعات شخصی نادرستتان را|اصلاح کنم|اصلاح اطلاعات",
            "تصحيح|بياناتي الشخصية الخاطئة|بياناتك الشخصية الخاطئة|تصحيح البيانات",
        ),
        (
            "personalised-ads",
            "turn off personalised ads||personalised ads",
            "отключить персонализированную рекламу|персонализированная реклама",
            "kişiselleştirilmiş reklamları||kapatmak|kapatabilirim|kişiselleştirilmiş reklam",
            "fərdiləşdirilmiş reklamları||söndürmək|söndürə bilərəm|fərdi reklam",
            "تبلیغات شخصی‌سازی‌شده را||غیرفعال کنم|تبلیغات شخصی‌سازی‌شده",
            "إيقاف|الإعلانات المخصصة||الإعلانات المخصصة",
        ),
        (
            "report-phishing",
            "report a suspicious email||phishing",
            "сообщить о подозрительном письме|фишинг",
            "şüpheli bir e-postayı||bildirmek|bildirebilirim|kimlik avı",
            "şübhəli e-məktubu||bildirmək|bildirə bilərəm|fişinq",
            "ایمیل مشکوک را||گزارش کنم|فیشینگ",
            "الإبلاغ عن|رسالة بريد إلكتروني مشبوهة||التصيد الاحتيالي",
        ),
        (
            "location-access",
            "stop the app from using my location|stop the app from using your location|location",
            "запретить приложению доступ к геолокации|геолокация",
            "uygulamanın konumumu kullanmasını|uygulamanın konumunuzu kullanmasını|engellemek|engelleyebilirim|konum",
            "tətbiqin məkanımdan istifadəsini|tətbiqin məkanınızdan istifadəsini|dayandırmaq|dayandıra bilərəm|məkan",
            "دسترسی اپلیکیشن به موقعیت مکانی‌ام را|دسترسی اپلیکیشن به موقعیت مکانی‌تان را|قطع کنم|موقعیت مکانی",
            "منع|التطبيق من استخدام موقعي|التطبيق من استخدام موقعك|الموقع الجغرافي",
        ),
    ],
    "loyalty": [
        (
            "join-loyalty-club",
            "join the loyalty club||membership",
            "вступить в клуб лояльности|членство",
            "sadakat kulübüne||katılmak|katılabilirim|üyelik",
            "loyallıq klubuna||qoşulmaq|qoşula bilərəm|üzvlük",
            "در باشگاه مشتریان||عضو شوم|عضویت",
            "الانضمام إلى|نادي الولاء||العضوية",
        ),
        (
            "points-balance",
            "check my points balance|check your points balance|points",
            "проверить баланс баллов|баллы",
            "puan bakiyemi|puan bakiyenizi|görmek|görebilirim|puanlar",
            "bal balansımı|bal balansınızı|görmək|görə bilərəm|ballar",
            "امتیازهایم را|امتیازهایتان را|ببینم|امتیاز",
            "معرفة|رصيد نقاطي|رصيد نقاطك|النقاط",
        ),
        (
            "pay-with-points",
            "use my points to pay|use your points to pay|redeem points",
            "оплатить покупку баллами|списание баллов",
            "puanlarımla|puanlarınızla|ödeme yapmak|ödeme yapabilirim|puan kullanımı",
            "ballarımla|ballarınızla|ödəniş etmək|ödəniş edə bilərəm|balların istifadəsi",
            "با امتیازهایم|با امتیازهایتان|پرداخت کنم|استفاده از امتیاز",
            "الدفع|بنقاطي|بنقاطك|استبدال النقاط",
        ),
        (
            "missing-points",
            "claim missing points||missing points",
            "начислить недостающие баллы|недостающие баллы",
            "eksik puanlarımı|eksik puanlarınızı|talep etmek|talep edebilirim|eksik puan",
            "çatışmayan ballarımı|çatışmayan ballarınızı|tələb etmək|tələb edə bilərəm|çatışmayan ballar",
            "امتیازهای ثبت‌نشده‌ام را|امتیازهای ثبت‌نشده‌تان را|دریافت کنم|امتیاز ثبت‌نشده",
            "المطالبة|بالنقاط الناقصة||النقاط الناقصة",
        ),
        (
            "membership-tier",
            "reach the next membership tier||tiers",
            "перейти на следующий уровень в клубе|уровни",
            "bir üst üyelik seviyesine||geçmek|geçebilirim|seviyeler",
            "növbəti üzvlük səviyyəsinə||keçmək|keçə bilərəm|səviyyələr",
            "به سطح بعدی عضویت||برسم|سطح عضویت",
            "الوصول|إلى مستوى العضوية التالي||مستويات العضوية",
        ),
        (
            "points-expiry",
            "stop my points from expiring|stop your points from expiring|points expiry",
            "продлить срок действия баллов|сгорание баллов",
            "puanlarımın süresini|puanlarınızın süresini|uzatmak|uzatabilirim|puan süresi",
            "ballarımın müddətini|ballarınızın müddətini|uzatmaq|uzada bilərəm|balların müddəti",
            "اعتبار امتیازهایم را|اعتبار امتیازهایتان را|تمدید کنم|انقضای امتیاز",
            "تمديد|صلاحية نقاطي|صلاحية نقاطك|انتهاء النقاط",
        ),
        (
            "birthday-reward",
            "get my birthday reward|get your birthday reward|birthday reward",
            "получить подарок на день рождения|подарок на день рождения",
            "doğum günü hediyemi|doğum günü hediyenizi|almak|alabilirim|doğum günü hediyesi",
            "ad günü hədiyyəmi|ad günü hədiyyənizi|almaq|ala bilərəm|ad günü hədiyyəsi",
            "هدیه تولدم را|هدیه تولدتان را|بگیرم|هدیه تولد",
            "الحصول على|هدية عيد ميلادي|هدية عيد ميلادك|هدية عيد الميلاد",
        ),
        (
            "digital-loyalty-card",
            "add my loyalty card to my phone wallet|add your loyalty card to your phone wallet|digital card",
            "добавить карту лояльности в кошелёк телефона|цифровая карта",
            "sadakat kartımı telefon cüzdanıma|sadakat kartınızı telefon cüzdanınıza|eklemek|ekleyebilirim|dijital kart",
            "loyallıq kartımı telefon pul kisəsinə|loyallıq kartınızı telefon pul kisəsinə|əlavə etmək|əlavə edə bilərəm|rəqəmsal kart",
            "کارت باشگاه مشتریانم را به کیف پول گوشی|کارت باشگاه مشتریانتان را به کیف پول گوشی|اضافه کنم|کارت دیجیتال",
            "إضافة|بطاقة الولاء إلى محفظة هاتفي|بطاقة الولاء إلى محفظة هاتفك|البطاقة الرقمية",
        ),
        (
            "transfer-points",
            "transfer points to a family member||points transfer",
            "перевести баллы члену семьи|перевод баллов",
            "puanlarımı aile üyeme|puanlarınızı aile üyenize|aktarmak|aktarabilirim|puan aktarımı",
            "ballarımı ailə üzvümə|ballarınızı ailə üzvünüzə|köçürmək|köçürə bilərəm|balların köçürülməsi",
            "امتیازهایم را به یکی از اعضای خانواده|امتیازهایتان را به یکی از اعضای خانواده|منتقل کنم|انتقال امتیاز",
            "تحويل|نقاطي إلى أحد أفراد العائلة|نقاطك إلى أحد أفراد العائلة|تحويل النقاط",
        ),
        (
            "leave-loyalty-club",
            "leave the loyalty club||cancel membership",
            "выйти из клуба лояльности|выход из клуба",
            "sadakat kulübünden||ayrılmak|ayrılabilirim|üyelik iptali",
            "loyallıq klubundan||çıxmaq|çıxa bilərəm|üzvlüyün ləğvi",
            "عضویتم در باشگاه مشتریان را|عضویتتان در باشگاه مشتریان را|لغو کنم|لغو عضویت",
            "مغادرة|نادي الولاء||إلغاء العضوية",
        ),
    ],
    "stores": [
        (
            "find-store",
            "find a store near me|find a store near you|store finder",
            "найти ближайший магазин|адреса магазинов",
            "yakınımdaki bir mağazayı|yakınınızdaki bir mağazayı|bulmak|bulabilirim|mağaza bulucu",
            "yaxınlıqdakı mağazanı||tapmaq|tapa bilərəm|mağaza axtarışı",
            "نزدیک‌ترین فروشگاه را||پیدا کنم|فروشگاه‌یاب",
            "العثور على|أقرب متجر||البحث عن متجر",
        ),
        (
            "opening-hours",
            "check store opening hours||opening hours",
            "узнать часы работы магазина|часы работы",
            "mağazanın çalışma saatlerini||öğrenmek|öğrenebilirim|çalışma saatleri",
            "mağazanın iş saatlarını||öyrənmək|öyrənə bilərəm|iş saatları",
            "ساعت کاری فروشگاه را||بدانم|ساعت کاری",
            "معرفة|مواعيد عمل المتجر||مواعيد العمل",
        ),
        (
            "click-and-collect",
            "pick up an online order in store||click and collect",
            "забрать онлайн-заказ в магазине|самовывоз",
            "online siparişimi mağazadan|online siparişinizi mağazadan|teslim almak|teslim alabilirim|mağazadan teslim",
            "onlayn sifarişimi mağazadan|onlayn sifarişinizi mağazadan|götürmək|götürə bilərəm|mağazadan götürmə",
            "سفارش اینترنتی‌ام را از فروشگاه|سفارش اینترنتی‌تان را از فروشگاه|تحویل بگیرم|تحویل حضوری",
            "استلام|طلبي الإلكتروني من المتجر|طلبك الإلكتروني من المتجر|الاستلام من المتجر",
        ),
        (
            "stock-check",
            "check if a product is in stock in a store||stock",
            "проверить наличие товара в магазине|наличие",
            "ürünün mağazada stokta olup olmadığını||öğrenmek|öğrenebilirim|stok durumu",
            "məhsulun mağazada olub-olmadığını||yoxlamaq|yoxlaya bilərəm|stok",
            "موجودی کالا در فروشگاه را||بررسی کنم|موجودی",
            "معرفة|توفر منتج في المتجر||التوفر",
        ),
        (
            "personal-shopping",
            "book a personal shopping appointment||appointments",
            "записаться на консультацию стилиста|запись на консультацию",
            "kişisel alışveriş randevusu||almak|alabilirim|randevu",
            "şəxsi alış-veriş görüşü üçün||növbə almaq|növbə ala bilərəm|görüş",
            "برای مشاوره خرید حضوری||وقت بگیرم|نوبت مشاوره",
            "حجز|موعد تسوق شخصي||المواعيد",
        ),
        (
            "return-in-store",
            "return an online purchase in a store||in-store returns",
            "вернуть онлайн-покупку в магазин|возврат в магазине",
            "online aldığım ürünü mağazaya|online aldığınız ürünü mağazaya|iade etmek|iade edebilirim|mağazada iade",
            "onlayn aldığım məhsulu mağazaya|onlayn aldığınız məhsulu mağazaya|qaytarmaq|qaytara bilərəm|mağazada qaytarma",
            "خرید اینترنتی‌ام را در فروشگاه|خرید اینترنتی‌تان را در فروشگاه|مرجوع کنم|مرجوعی حضوری",
            "إرجاع|مشتريات الإنترنت إلى المتجر||الإرجاع في المتجر",
        ),
        (
            "store-parking",
            "find parking at a store||parking",
            "найти парковку у магазина|парковка",
            "mağazanın otoparkını||bulmak|bulabilirim|otopark",
            "mağazanın dayanacağını||tapmaq|tapa bilərəm|dayanacaq",
            "پارکینگ فروشگاه را||پیدا کنم|پارکینگ",
            "العثور على|موقف سيارات المتجر||مواقف السيارات",
        ),
        (
            "store-complaint",
            "complain about a store visit||store feedback",
            "пожаловаться на обслуживание в магазине|жалоба",
            "mağaza deneyimimle ilgili|mağaza deneyiminizle ilgili|şikâyette bulunmak|şikâyette bulunabilirim|şikâyet",
            "mağazadakı xidmətdən||şikayət etmək|şikayət edə bilərəm|şikayət",
            "از برخورد کارکنان فروشگاه||شکایت کنم|شکایت",
            "تقديم شكوى|بشأن زيارة المتجر||الشكاوى",
        ),
        (
            "store-price-match",
            "get the online price in a store||price match",
            "купить в магазине по цене сайта|цена как на сайте",
            "mağazada online fiyattan||alışveriş yapmak|alışveriş yapabilirim|fiyat eşleştirme",
            "mağazada onlayn qiymətə||alış-veriş etmək|alış-veriş edə bilərəm|qiymət uyğunlaşdırma",
            "در فروشگاه با قیمت سایت||خرید کنم|قیمت یکسان",
            "الشراء|في المتجر بسعر الموقع||مطابقة السعر",
        ),
        (
            "gift-wrapping",
            "get gift wrapping in a store||gift wrapping",
            "упаковать подарок в магазине|подарочная упаковка",
            "mağazada hediye paketi||yaptırmak|yaptırabilirim|hediye paketi",
            "mağazada hədiyyəni||qablaşdırtmaq|qablaşdırta bilərəm|hədiyyə qablaşdırması",
            "هدیه‌ام را در فروشگاه|هدیه‌تان را در فروشگاه|کادو کنم|کادوپیچی",
            "الحصول على|تغليف الهدايا في المتجر||تغليف الهدايا",
        ),
    ],
}

# situations that narrow a task: (slug, en, ru, tr, az, fa, ar)
SITUATIONS: list[tuple[str, ...]] = [
    (
        "in-app",
        "in the app",
        "в приложении",
        "mobil uygulamada",
        "mobil tətbiqdə",
        "در اپلیکیشن",
        "عبر التطبيق",
    ),
    (
        "on-website",
        "on the website",
        "на сайте",
        "web sitesinde",
        "saytda",
        "در سایت",
        "عبر الموقع الإلكتروني",
    ),
    (
        "as-guest",
        "as a guest",
        "без регистрации",
        "üye olmadan",
        "qeydiyyatsız",
        "بدون ثبت‌نام",
        "دون تسجيل",
    ),
    (
        "business-account",
        "with a business account",
        "с бизнес-аккаунтом",
        "kurumsal hesapla",
        "biznes hesabı ilə",
        "با حساب تجاری",
        "بحساب تجاري",
    ),
    (
        "at-weekend",
        "at the weekend",
        "в выходные",
        "hafta sonu",
        "həftəsonu",
        "در تعطیلات آخر هفته",
        "في عطلة نهاية الأسبوع",
    ),
    (
        "public-holiday",
        "on a public holiday",
        "в праздничный день",
        "resmi tatilde",
        "bayram günü",
        "در روز تعطیل رسمی",
        "في يوم عطلة رسمية",
    ),
    (
        "during-sale",
        "during the sale",
        "во время распродажи",
        "indirim döneminde",
        "endirim dövründə",
        "در دوره حراج",
        "خلال فترة التخفيضات",
    ),
    (
        "for-someone-else",
        "for someone else",
        "для другого человека",
        "başkası adına",
        "başqası adına",
        "برای شخص دیگری",
        "نيابة عن شخص آخر",
    ),
    (
        "while-travelling",
        "while travelling",
        "во время поездки",
        "seyahatteyken",
        "səfərdə olarkən",
        "در سفر",
        "أثناء السفر",
    ),
    (
        "first-time",
        "for the first time",
        "впервые",
        "ilk kez",
        "ilk dəfə",
        "برای اولین بار",
        "لأول مرة",
    ),
    ("second-time", "a second time", "повторно", "tekrar", "yenidən", "دوباره", "مرة أخرى"),
    (
        "new-phone",
        "on a new phone",
        "с нового телефона",
        "yeni telefonumdan",
        "yeni telefonumdan",
        "با گوشی جدید",
        "من هاتف جديد",
    ),
    ("by-phone", "over the phone", "по телефону", "telefonla", "telefonla", "تلفنی", "عبر الهاتف"),
    (
        "via-chat",
        "via live chat",
        "через чат",
        "canlı destek üzerinden",
        "canlı dəstək vasitəsilə",
        "از طریق چت آنلاین",
        "عبر الدردشة المباشرة",
    ),
    (
        "loyalty-member",
        "as a loyalty member",
        "как участник программы лояльности",
        "sadakat programı üyesi olarak",
        "loyallıq proqramının üzvü kimi",
        "به‌عنوان عضو باشگاه مشتریان",
        "كعضو في برنامج الولاء",
    ),
    (
        "after-deadline",
        "after the deadline",
        "после истечения срока",
        "süre dolduktan sonra",
        "müddət bitdikdən sonra",
        "بعد از پایان مهلت",
        "بعد انتهاء المهلة",
    ),
    (
        "without-receipt",
        "without a receipt",
        "без чека",
        "fiş olmadan",
        "qəbzsiz",
        "بدون رسید",
        "بدون إيصال",
    ),
    (
        "with-promo-code",
        "with a promo code",
        "с промокодом",
        "indirim koduyla",
        "promo kodla",
        "با کد تخفیف",
        "باستخدام رمز ترويجي",
    ),
    (
        "foreign-card",
        "with a foreign card",
        "с иностранной картой",
        "yabancı kartla",
        "xarici kartla",
        "با کارت خارجی",
        "ببطاقة أجنبية",
    ),
    (
        "for-a-gift",
        "for a gift",
        "для подарка",
        "hediye için",
        "hədiyyə üçün",
        "برای هدیه",
        "لهدية",
    ),
    (
        "late-at-night",
        "late at night",
        "поздно ночью",
        "gece geç saatte",
        "gecə gec saatda",
        "نیمه‌شب",
        "في وقت متأخر من الليل",
    ),
    (
        "in-store",
        "in a store",
        "в магазине",
        "mağazada",
        "mağazada",
        "در فروشگاه حضوری",
        "في المتجر",
    ),
    ("urgently", "urgently", "срочно", "acilen", "təcili", "فوری", "بشكل عاجل"),
    (
        "two-accounts",
        "with two accounts",
        "с двумя аккаунтами",
        "iki hesapla",
        "iki hesabla",
        "با دو حساب کاربری",
        "بحسابين",
    ),
    (
        "large-order",
        "for a large order",
        "для крупного заказа",
        "büyük bir sipariş için",
        "böyük sifariş üçün",
        "برای سفارش عمده",
        "لطلب كبير",
    ),
    (
        "after-moving",
        "after moving house",
        "после переезда",
        "taşındıktan sonra",
        "köçdükdən sonra",
        "بعد از اسباب‌کشی",
        "بعد الانتقال إلى عنوان جديد",
    ),
    (
        "on-tablet",
        "on a tablet",
        "с планшета",
        "tabletten",
        "planşetdən",
        "با تبلت",
        "من جهاز لوحي",
    ),
    (
        "without-email-access",
        "without access to my email",
        "без доступа к почте",
        "e-postama erişimim olmadan",
        "e-poçtuma girişim olmadan",
        "بدون دسترسی به ایمیلم",
        "دون الوصول إلى بريدي الإلكتروني",
    ),
]

# where the customer is: (slug, en, ru, tr, az, fa, ar), each a locative phrase
REGIONS: list[tuple[str, ...]] = [
    ("turkey", "in Turkey", "в Турции", "Türkiye'de", "Türkiyədə", "در ترکیه", "في تركيا"),
    ("germany", "in Germany", "в Германии", "Almanya'da", "Almaniyada", "در آلمان", "في ألمانيا"),
    ("uae", "in the UAE", "в ОАЭ", "BAE'de", "BƏƏ-də", "در امارات", "في الإمارات"),
    (
        "uk",
        "in the UK",
        "в Великобритании",
        "İngiltere'de",
        "Böyük Britaniyada",
        "در بریتانیا",
        "في المملكة المتحدة",
    ),
    (
        "azerbaijan",
        "in Azerbaijan",
        "в Азербайджане",
        "Azerbaycan'da",
        "Azərbaycanda",
        "در آذربایجان",
        "في أذربيجان",
    ),
    (
        "saudi-arabia",
        "in Saudi Arabia",
        "в Саудовской Аравии",
        "Suudi Arabistan'da",
        "Səudiyyə Ərəbistanında",
        "در عربستان سعودی",
        "في السعودية",
    ),
    ("qatar", "in Qatar", "в Катаре", "Katar'da", "Qətərdə", "در قطر", "في قطر"),
    ("kuwait", "in Kuwait", "в Кувейте", "Kuveyt'te", "Küveytdə", "در کویت", "في الكويت"),
    ("bahrain", "in Bahrain", "в Бахрейне", "Bahreyn'de", "Bəhreyndə", "در بحرین", "في البحرين"),
    ("oman", "in Oman", "в Омане", "Umman'da", "Omanda", "در عمان", "في عمان"),
    ("france", "in France", "во Франции", "Fransa'da", "Fransada", "در فرانسه", "في فرنسا"),
    (
        "netherlands",
        "in the Netherlands",
        "в Нидерландах",
        "Hollanda'da",
        "Niderlandda",
        "در هلند",
        "في هولندا",
    ),
    ("poland", "in Poland", "в Польше", "Polonya'da", "Polşada", "در لهستان", "في بولندا"),
    ("austria", "in Austria", "в Австрии", "Avusturya'da", "Avstriyada", "در اتریش", "في النمسا"),
    ("spain", "in Spain", "в Испании", "İspanya'da", "İspaniyada", "در اسپانیا", "في إسبانيا"),
    ("italy", "in Italy", "в Италии", "İtalya'da", "İtaliyada", "در ایتالیا", "في إيطاليا"),
    ("belgium", "in Belgium", "в Бельгии", "Belçika'da", "Belçikada", "در بلژیک", "في بلجيكا"),
    ("sweden", "in Sweden", "в Швеции", "İsveç'te", "İsveçdə", "در سوئد", "في السويد"),
]

# Title templates (formal) and question templates (as customers write), per language.
# Slots: en/ru/ar {m} = " situation region" (leading space, may be empty); tr/az/fa {M} =
# "region situation " (trailing space). en {vp}; ru {inf}; tr/az {o} {inf} {able} {ableq};
# fa {o} {s}; ar {v} (verbal noun) {o}.
TITLES: dict[str, tuple[str, ...]] = {
    "en": (
        "How do I {vp}{m}?",
        "How can I {vp}{m}?",
        "Can I {vp}{m}?",
        "What is the best way to {vp}{m}?",
    ),
    "ru": (
        "Как {inf}{m}?",
        "Можно ли {inf}{m}?",
        "Каким образом можно {inf}{m}?",
        "Что нужно сделать, чтобы {inf}{m}?",
    ),
    "tr": ("{M}{o} nasıl {able}?", "{M}{o} {inf} mümkün mü?", "{M}{o} {inf} için ne yapmalıyım?"),
    "az": ("{M}{o} necə {able}?", "{M}{o} {inf} mümkündürmü?", "{M}{o} {inf} üçün nə etməliyəm?"),
    "fa": (
        "چطور {M}{o} {s}؟",
        "آیا می‌توانم {M}{o} {s}؟",
        "برای اینکه {M}{o} {s} چه کار باید بکنم؟",
    ),
    "ar": ("كيف يمكنني {v} {o}{m}؟", "هل يمكنني {v} {o}{m}؟", "ما طريقة {v} {o}{m}؟"),
}
QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "how to {vp}{m}",
        "Is it possible to {vp}{m}?",
        "I want to {vp}{m}",
        "I need to {vp}{m}, what should I do?",
        "help me {vp}{m} please",
        "What are the steps to {vp}{m}?",
        "trying to {vp}{m} but it does not work",
        "Where do I go to {vp}{m}?",
        "Could you tell me how to {vp}{m}?",
        "hi, is there a way to {vp}{m}?",
    ),
    "ru": (
        "Хочу {inf}{m}",
        "Помогите {inf}{m}",
        "Не получается {inf}{m}, что делать?",
        "Подскажите, как {inf}{m}?",
        "Где можно {inf}{m}?",
        "Нужно {inf}{m}, как это сделать?",
        "реально ли {inf}{m}?",
        "Как мне {inf}{m}?",
        "здравствуйте, а можно {inf}{m}?",
    ),
    "tr": (
        "{M}{o} {inf} istiyorum",
        "{M}{o} {inf} istiyorum, yardımcı olur musunuz?",
        "{M}{o} {ableq}?",
        "{M}{o} {inf} için hangi adımları izlemeliyim?",
        "{M}{o} {inf} istiyorum ama olmuyor",
        "{M}{o} nereden {able}?",
        "{M}{o} {inf} için kiminle görüşmeliyim?",
        "merhaba, {M}{o} {inf} mümkün müdür?",
    ),
    "az": (
        "{M}{o} {inf} istəyirəm",
        "{M}{o} {ableq}?",
        "{M}{o} {inf} istəyirəm, kömək edə bilərsiniz?",
        "{M}{o} harada {able}?",
        "{M}{o} {inf} üçün hansı addımları atmalıyam?",
        "{M}{o} {inf} istəyirəm amma alınmır",
        "{M}{o} {inf} üçün kimə müraciət etməliyəm?",
        "salam, {M}{o} {inf} olarmı?",
    ),
    "fa": (
        "می‌خواهم {M}{o} {s}",
        "چطوری {M}{o} {s}",
        "لطفاً راهنمایی کنید چطور {M}{o} {s}",
        "نمی‌دانم چطور {M}{o} {s}",
        "امکانش هست {M}{o} {s}؟",
        "کجا می‌توانم {M}{o} {s}؟",
        "چه مراحلی را باید طی کنم تا {M}{o} {s}؟",
        "سلام، می‌خواهم {M}{o} {s}. چه کار کنم؟",
    ),
    "ar": (
        "أريد {v} {o}{m}",
        "كيف أستطيع {v} {o}{m}",
        "ما هي خطوات {v} {o}{m}؟",
        "أحتاج إلى {v} {o}{m}، ماذا أفعل؟",
        "لا أستطيع {v} {o}{m}، ساعدوني",
        "أين يمكنني {v} {o}{m}؟",
        "من فضلكم أريد مساعدة في {v} {o}{m}",
        "هل من الممكن {v} {o}{m}؟",
    ),
}

# Body. Slots: {do} the task addressed to "you" ({Do} capitalised), {can} "you can do it"
# (tr, az), {page}, {d} {h} {mins} numbers, {R} the region sentence, {tag}, {rt} {rid} the
# related article's title and id. Numbers are chosen so every language's noun agrees.
ANSWERS: dict[str, tuple[str, ...]] = {
    "en": (
        "To {do}, open *{page}* and follow the steps on the screen. It usually takes about {mins} minutes, and the confirmation email arrives within {h} hours.{R}",
        "You can {do} yourself in *{page}* at any time. If the option is not shown, our support team does it for you within {d} business days.{R}",
        "Yes, this is possible. To {do}, sign in, open *{page}* and choose the option that fits your case. You see the result in your account straight away.{R}",
    ),
    "ru": (
        "Чтобы {do}, откройте раздел *{page}* и следуйте подсказкам на экране. Обычно это занимает около {mins} минут, а письмо с подтверждением приходит в течение {h} часов.{R}",
        "Вы можете {do} самостоятельно в разделе *{page}* в любое время. Если эта функция недоступна, служба поддержки сделает это за вас в течение {d} рабочих дней.{R}",
        "Да, это возможно. Чтобы {do}, войдите в аккаунт, откройте *{page}* и выберите подходящий вариант. Результат сразу отобразится в вашем аккаунте.{R}",
    ),
    "tr": (
        "{Do} için *{page}* bölümünü açın ve ekrandaki adımları izleyin. Bu işlem genellikle yaklaşık {mins} dakika sürer ve onay e-postası {h} saat içinde gelir.{R}",
        "İstediğiniz zaman *{page}* bölümünden {can}. Seçenek görünmüyorsa destek ekibimiz bunu {d} iş günü içinde sizin için yapar.{R}",
        "Evet, bu mümkün. {Do} için hesabınıza giriş yapın, *{page}* bölümünü açın ve durumunuza uyan seçeneği seçin. Sonucu hesabınızda hemen görürsünüz.{R}",
    ),
    "az": (
        "{Do} üçün *{page}* bölməsini açın və ekrandakı addımları izləyin. Bu, adətən təxminən {mins} dəqiqə çəkir, təsdiq məktubu isə {h} saat ərzində gəlir.{R}",
        "İstənilən vaxt *{page}* bölməsində {can}. Seçim görünmürsə, dəstək komandamız bunu {d} iş günü ərzində sizin üçün edəcək.{R}",
        "Bəli, bu mümkündür. {Do} üçün hesabınıza daxil olun, *{page}* bölməsini açın və vəziyyətinizə uyğun seçimi edin. Nəticəni dərhal hesabınızda görəcəksiniz.{R}",
    ),
    "fa": (
        "برای اینکه {do}، به بخش *{page}* بروید و مراحل روی صفحه را دنبال کنید. این کار معمولاً حدود {mins} دقیقه طول می‌کشد و ایمیل تأیید ظرف {h} ساعت می‌رسد.{R}",
        "هر زمان بخواهید می‌توانید در بخش *{page}* {do}. اگر این گزینه نمایش داده نمی‌شود، تیم پشتیبانی ظرف {d} روز کاری این کار را برایتان انجام می‌دهد.{R}",
        "بله، این کار ممکن است. برای اینکه {do}، وارد حسابتان شوید، بخش *{page}* را باز کنید و گزینه مناسب را انتخاب کنید. نتیجه بلافاصله در حسابتان نمایش داده می‌شود.{R}",
    ),
    "ar": (
        "لكي تتمكن من {do}، افتح صفحة *{page}* واتبع الخطوات الظاهرة على الشاشة. يستغرق ذلك عادة نحو {mins} دقائق، وتصلك رسالة التأكيد خلال {h} ساعة.{R}",
        "يمكنك {do} بنفسك من صفحة *{page}* في أي وقت. وإذا لم يظهر هذا الخيار، فسيقوم فريق الدعم بذلك نيابة عنك خلال {d} أيام عمل.{R}",
        "نعم، هذا ممكن. سجل الدخول إلى حسابك وافتح صفحة *{page}* ثم اختر الخيار المناسب لحالتك. ستظهر النتيجة في حسابك على الفور.{R}",
    ),
}
REGION_NOTES: dict[str, str] = {
    "en": " Customers {region} follow the same steps, but processing can take up to {d2} extra business days.",
    "ru": " Покупатели {region} действуют так же, но обработка может занять до {d2} дополнительных рабочих дней.",
    "tr": " {Region} yaşayan müşteriler için de aynı adımlar geçerlidir, ancak işlem {d2} iş günü daha uzun sürebilir.",
    "az": " {Region} yaşayan müştərilər üçün də eyni addımlar keçərlidir, lakin emal {d2} iş günü daha çox çəkə bilər.",
    "fa": " برای مشتریانی که {region} زندگی می‌کنند هم همین مراحل برقرار است، اما رسیدگی ممکن است تا {d2} روز کاری بیشتر طول بکشد.",
    "ar": " وتنطبق الخطوات نفسها على العملاء {region}، لكن قد تستغرق المعالجة ما يصل إلى {d2} أيام عمل إضافية.",
}
HEADINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "Step by step",
        "Good to know",
        "Before you start",
        "What you need",
        "If something goes wrong",
        "Details",
        "Things to check",
        "How it works",
    ),
    "ru": (
        "Пошагово",
        "Полезно знать",
        "Перед началом",
        "Что понадобится",
        "Если что-то пошло не так",
        "Подробности",
        "Что проверить",
        "Как это работает",
    ),
    "tr": (
        "Adım adım",
        "Bilmeniz gerekenler",
        "Başlamadan önce",
        "Neye ihtiyacınız var",
        "Bir sorun olursa",
        "Ayrıntılar",
        "Kontrol edilecekler",
        "Nasıl çalışır",
    ),
    "az": (
        "Addım-addım",
        "Bilməli olduqlarınız",
        "Başlamazdan əvvəl",
        "Sizə nə lazımdır",
        "Problem yaranarsa",
        "Ətraflı məlumat",
        "Nələri yoxlamalı",
        "Necə işləyir",
    ),
    "fa": (
        "گام به گام",
        "خوب است بدانید",
        "پیش از شروع",
        "به چه چیزهایی نیاز دارید",
        "اگر مشکلی پیش آمد",
        "جزئیات",
        "چه چیزهایی را بررسی کنید",
        "چطور کار می‌کند",
    ),
    "ar": (
        "خطوة بخطوة",
        "معلومات مفيدة",
        "قبل أن تبدأ",
        "ما تحتاج إليه",
        "إذا حدثت مشكلة",
        "التفاصيل",
        "ما يجب التحقق منه",
        "كيف تعمل الخدمة",
    ),
}
BULLETS: dict[str, tuple[str, ...]] = {
    "en": (
        "Have your order number and the email address of your account ready.",
        "The service is free of charge; we never ask for card details by phone or chat.",
        "Changes usually appear in *{page}* within {h} hours.",
        "You receive a confirmation email as soon as the request is processed.",
        "If you checked out as a guest, use the link in your confirmation email instead.",
        "Requests sent after 20:00 CET are handled on the next business day.",
        "Our support team helps in the live chat every day from 8:00 to 22:00 CET.",
        "Keep the confirmation email until everything is settled.",
        "In the app, the same option is under *Profile* → *{page}*.",
        "During sales and holidays, processing can take up to {d} business days.",
        "Screenshots help us a lot if you need to contact support.",
        "You can follow your request in *{page}* at any time.",
        "Make sure the latest version of the app is installed.",
        "We answer every question about {tag} within {h} hours.",
    ),
    "ru": (
        "Подготовьте номер заказа и адрес электронной почты, указанный в аккаунте.",
        "Услуга бесплатна; мы никогда не запрашиваем данные карты по телефону или в чате.",
        "Изменения обычно появляются в разделе *{page}* в течение {h} часов.",
        "Письмо с подтверждением придёт сразу после обработки запроса.",
        "Если вы оформляли заказ без регистрации, воспользуйтесь ссылкой из письма с подтверждением.",
        "Запросы, отправленные после 20:00 по центральноевропейскому времени, обрабатываются на следующий рабочий день.",
        "Служба поддержки отвечает в чате ежедневно с 8:00 до 22:00 по центральноевропейскому времени.",
        "Сохраните письмо с подтверждением, пока вопрос не будет решён.",
        "В приложении эта же функция находится в разделе *Профиль* → *{page}*.",
        "Во время распродаж и праздников обработка может занять до {d} рабочих дней.",
        "Если вы обращаетесь в поддержку, скриншоты очень помогут.",
        "Следить за ходом запроса можно в любое время в разделе *{page}*.",
        "Убедитесь, что у вас установлена последняя версия приложения.",
        "На все вопросы по теме «{tag}» мы отвечаем в течение {h} часов.",
    ),
    "tr": (
        "Sipariş numaranızı ve hesabınızdaki e-posta adresini hazır bulundurun.",
        "Bu hizmet ücretsizdir; kart bilgilerinizi asla telefonda veya sohbette istemeyiz.",
        "Değişiklikler genellikle {h} saat içinde *{page}* bölümünde görünür.",
        "Talebiniz işleme alınır alınmaz onay e-postası alırsınız.",
        "Misafir olarak alışveriş yaptıysanız onay e-postasındaki bağlantıyı kullanın.",
        "Saat 20:00'den (CET) sonra gelen talepler bir sonraki iş günü işlenir.",
        "Destek ekibimiz her gün 8:00-22:00 (CET) arasında canlı sohbetten yardımcı olur.",
        "Konu çözülene kadar onay e-postasını saklayın.",
        "Uygulamada aynı seçenek *Profil* → *{page}* altında bulunur.",
        "İndirim dönemlerinde ve tatillerde işlem {d} iş gününe kadar sürebilir.",
        "Destekle iletişime geçerseniz ekran görüntüleri çok yardımcı olur.",
        "Talebinizin durumunu *{page}* bölümünden istediğiniz zaman takip edebilirsiniz.",
        "Uygulamanın en güncel sürümünün yüklü olduğundan emin olun.",
        "«{tag}» konusundaki tüm sorulara {h} saat içinde yanıt veriyoruz.",
    ),
    "az": (
        "Sifariş nömrənizi və hesabınızdakı e-poçt ünvanını hazır saxlayın.",
        "Bu xidmət pulsuzdur; kart məlumatlarınızı heç vaxt telefonla və ya çatda soruşmuruq.",
        "Dəyişikliklər adətən {h} saat ərzində *{page}* bölməsində görünür.",
        "Sorğunuz emal olunan kimi təsdiq məktubu alacaqsınız.",
        "Qeydiyyatsız alış-veriş etmisinizsə, təsdiq məktubundakı keçiddən istifadə edin.",
        "CET vaxtı ilə saat 20:00-dan sonra göndərilən sorğular növbəti iş günü emal olunur.",
        "Dəstək komandamız hər gün CET vaxtı ilə 8:00-22:00 arasında çatda kömək edir.",
        "Məsələ həll olunana qədər təsdiq məktubunu saxlayın.",
        "Tətbiqdə eyni seçim *Profil* → *{page}* bölməsindədir.",
        "Endirim dövrlərində və bayramlarda emal {d} iş gününə qədər çəkə bilər.",
        "Dəstəyə müraciət etsəniz, ekran şəkilləri çox kömək edir.",
        "Sorğunuzun gedişatını istənilən vaxt *{page}* bölməsində izləyə bilərsiniz.",
        "Tətbiqin ən son versiyasının quraşdırıldığına əmin olun.",
        "«{tag}» mövzusunda bütün suallara {h} saat ərzində cavab veririk.",
    ),
    "fa": (
        "شماره سفارش و ایمیل حساب کاربری‌تان را آماده داشته باشید.",
        "این خدمت رایگان است؛ ما هرگز اطلاعات کارت را تلفنی یا در چت نمی‌پرسیم.",
        "تغییرات معمولاً ظرف {h} ساعت در بخش *{page}* نمایش داده می‌شود.",
        "به محض رسیدگی به درخواست، ایمیل تأیید برایتان ارسال می‌شود.",
        "اگر بدون ثبت‌نام خرید کرده‌اید، از لینک داخل ایمیل تأیید استفاده کنید.",
        "درخواست‌هایی که بعد از ساعت ۲۰:۰۰ به وقت اروپای مرکزی ثبت شوند، روز کاری بعد بررسی می‌شوند.",
        "تیم پشتیبانی هر روز از ساعت ۸:۰۰ تا ۲۲:۰۰ به وقت اروپای مرکزی در چت پاسخگوست.",
        "تا زمانی که موضوع کاملاً حل نشده، ایمیل تأیید را نگه دارید.",
        "در اپلیکیشن همین گزینه در بخش *پروفایل* ← *{page}* قرار دارد.",
        "در دوره‌های حراج و تعطیلات، رسیدگی ممکن است تا {d} روز کاری طول بکشد.",
        "اگر با پشتیبانی تماس می‌گیرید، اسکرین‌شات خیلی کمک می‌کند.",
        "هر زمان که بخواهید می‌توانید روند درخواستتان را در بخش *{page}* دنبال کنید.",
        "مطمئن شوید آخرین نسخه اپلیکیشن را نصب کرده‌اید.",
        "به همه پرسش‌ها درباره «{tag}» ظرف {h} ساعت پاسخ می‌دهیم.",
    ),
    "ar": (
        "جهز رقم الطلب وعنوان البريد الإلكتروني المسجل في حسابك.",
        "هذه الخدمة مجانية، ولن نطلب منك أبدا بيانات بطاقتك عبر الهاتف أو الدردشة.",
        "تظهر التغييرات عادة في صفحة *{page}* خلال {h} ساعة.",
        "ستصلك رسالة تأكيد بالبريد الإلكتروني فور معالجة الطلب.",
        "إذا اشتريت كضيف، فاستخدم الرابط الموجود في رسالة التأكيد.",
        "تعالج الطلبات المرسلة بعد الساعة 20:00 بتوقيت وسط أوروبا في يوم العمل التالي.",
        "يساعدك فريق الدعم عبر الدردشة يوميا من الساعة 8:00 حتى 22:00 بتوقيت وسط أوروبا.",
        "احتفظ برسالة التأكيد حتى تتم تسوية الأمر بالكامل.",
        "في التطبيق، تجد الخيار نفسه في *الملف الشخصي* ← *{page}*.",
        "قد تستغرق المعالجة ما يصل إلى {d} أيام عمل خلال فترات التخفيضات والعطلات.",
        "إذا تواصلت مع الدعم، فإن لقطات الشاشة تساعدنا كثيرا.",
        "يمكنك متابعة حالة طلبك في أي وقت من صفحة *{page}*.",
        "تأكد من تثبيت أحدث إصدار من التطبيق.",
        "نرد على جميع الأسئلة بشأن «{tag}» خلال {h} ساعة.",
    ),
}
CLOSINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "If none of this helps, write to us in the chat and say that you want to {do}. An agent picks it up within {h} hours. See also [{rt}](kb:{rid}).",
        "Still stuck? Reply to our last email or call customer service, and keep your order number at hand. Related: [{rt}](kb:{rid}).",
        "We review this process regularly, so the steps in the app and on the website may change slightly. For questions about {tag}, our support team is happy to help.",
    ),
    "ru": (
        "Если ничего не помогло, напишите нам в чат и укажите, что хотите {do}. Специалист ответит в течение {h} часов. См. также: [{rt}](kb:{rid}).",
        "Всё ещё не получается? Ответьте на наше последнее письмо или позвоните в службу поддержки, держа под рукой номер заказа. По теме: [{rt}](kb:{rid}).",
        "Мы регулярно обновляем этот процесс, поэтому шаги в приложении и на сайте могут немного отличаться. Если у вас остались вопросы по теме «{tag}», служба поддержки с радостью поможет.",
    ),
    "tr": (
        "Bunların hiçbiri işe yaramazsa canlı sohbetten bize yazın ve {do} istediğinizi belirtin. Bir temsilcimiz {h} saat içinde dönüş yapar. Ayrıca bkz. [{rt}](kb:{rid}).",
        "Hâlâ sorun mu yaşıyorsunuz? Bizden gelen son e-postayı yanıtlayın veya müşteri hizmetlerini arayın; sipariş numaranızı yanınızda bulundurun. İlgili konu: [{rt}](kb:{rid}).",
        "Bu süreci düzenli olarak gözden geçiriyoruz; bu nedenle uygulamadaki ve web sitesindeki adımlar biraz değişebilir. «{tag}» ile ilgili sorularınız için destek ekibimiz yardıma hazırdır.",
    ),
    "az": (
        "Bunların heç biri kömək etməsə, çatda bizə yazın və {do} istədiyinizi qeyd edin. Əməkdaşımız {h} saat ərzində cavab verəcək. Həmçinin bax: [{rt}](kb:{rid}).",
        "Hələ də alınmır? Bizdən gələn son məktuba cavab verin və ya müştəri xidmətinə zəng edin; sifariş nömrənizi yanınızda saxlayın. Əlaqəli mövzu: [{rt}](kb:{rid}).",
        "Bu prosesi mütəmadi olaraq yeniləyirik, ona görə də tətbiqdəki və saytdakı addımlar bir qədər fərqlənə bilər. «{tag}» mövzusunda suallarınız üçün dəstək komandamız köməyə hazırdır.",
    ),
    "fa": (
        "اگر هیچ‌کدام از این‌ها کمک نکرد، در چت به ما پیام دهید و بنویسید که می‌خواهید {do}. یکی از همکاران ما ظرف {h} ساعت پاسخ می‌دهد. همچنین ببینید: [{rt}](kb:{rid}).",
        "هنوز مشکل دارید؟ به آخرین ایمیل ما پاسخ دهید یا با خدمات مشتریان تماس بگیرید و شماره سفارش را دم دست داشته باشید. مطلب مرتبط: [{rt}](kb:{rid}).",
        "ما این روند را مرتب بازبینی می‌کنیم، بنابراین ممکن است مراحل در اپلیکیشن و سایت کمی تغییر کند. برای پرسش‌های مربوط به «{tag}»، تیم پشتیبانی با کمال میل کمک می‌کند.",
    ),
    "ar": (
        "إذا لم يساعدك أي من ذلك، فراسلنا عبر الدردشة واذكر أنك تريد {do}. سيتولى أحد موظفينا طلبك خلال {h} ساعة. انظر أيضا: [{rt}](kb:{rid}).",
        "هل ما زالت المشكلة قائمة؟ رد على آخر رسالة بريد إلكتروني منا أو اتصل بخدمة العملاء، واحتفظ برقم الطلب في متناول يدك. موضوع ذو صلة: [{rt}](kb:{rid}).",
        "نراجع هذه العملية بانتظام، لذلك قد تختلف الخطوات في التطبيق والموقع قليلا. إذا كانت لديك أسئلة بشأن «{tag}»، فإن فريق الدعم يسعده مساعدتك.",
    ),
}
AGENT_NOTES: dict[str, str] = {
    "en": "Agents: log the contact in the helpdesk with the tag *{tag}* and, if the customer is not satisfied, escalate to the shift lead. Do not promise compensation before the case is reviewed.",
    "ru": "Для сотрудников: зарегистрируйте обращение в хелпдеске с тегом *{tag}* и, если клиент недоволен, передайте его руководителю смены. Не обещайте компенсацию до проверки обращения.",
    "tr": "Temsilciler için: görüşmeyi destek sisteminde *{tag}* etiketiyle kaydedin ve müşteri memnun kalmazsa vardiya sorumlusuna aktarın. Vaka incelenmeden tazminat sözü vermeyin.",
    "az": "Əməkdaşlar üçün: müraciəti dəstək sistemində *{tag}* etiketi ilə qeydə alın və müştəri razı qalmazsa, növbə rəhbərinə ötürün. Müraciət yoxlanılmadan kompensasiya vəd etməyin.",
    "fa": "برای کارشناسان: تماس را در سامانه پشتیبانی با برچسب *{tag}* ثبت کنید و اگر مشتری راضی نبود، آن را به سرپرست شیفت ارجاع دهید. پیش از بررسی پرونده، وعده جبران خسارت ندهید.",
    "ar": "للموظفين: سجل التواصل في نظام الدعم بالوسم *{tag}*، وإذا لم يكن العميل راضيا فصعد الحالة إلى مشرف الوردية. لا تعد بأي تعويض قبل مراجعة الحالة.",
}

DAYS = (3, 5, 7, 10)  # Arabic counts 3-10 take a plural noun: keep every number in that range
EXTRA_DAYS = (3, 5)
HOURS = (24, 48, 72)  # 11-99: Arabic singular noun; Russian "в течение N часов"
MINUTES = (5, 10)
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SHORT_SHARE = 0.4  # share of concepts taken from those with at most one modifier
POPULAR_FACTOR = 1.6  # each language translates its share out of the first 1.6x source ids


@dataclass(frozen=True)
class Generated:
    """One generated article file: ``dest/<lang>/<category>/<id>.md``."""

    id: str
    lang: str
    category: str
    title: str
    questions: tuple[str, ...]
    audience: str


# --- per-language phrase building ------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    slug: str
    category: str
    forms: tuple[tuple[str, ...], ...]  # per language, split fields with defaults filled in


def _split_task(lang: str, text: str) -> tuple[str, ...]:
    parts = text.split("|")
    want = {"en": 3, "ru": 2, "tr": 5, "az": 5, "fa": 4, "ar": 4}[lang]
    if len(parts) != want:
        raise ValueError(f"task phrase {text!r} ({lang}) needs {want} fields")
    if lang in ("en", "tr", "az", "fa"):  # empty "your" form: the same as the "my" one
        parts[1] = parts[1] or parts[0]
    elif lang == "ar":
        parts[2] = parts[2] or parts[1]
    return tuple(parts)


def _load_tasks() -> list[_Task]:
    tasks = []
    for category, rows in TASKS.items():
        for slug, *texts in rows:
            forms = tuple(_split_task(lang, t) for lang, t in zip(LANGS, texts, strict=True))
            tasks.append(_Task(slug, category, forms))
    return tasks


_TASKS = _load_tasks()
_TR_UPPER = str.maketrans({"i": "İ", "ı": "I"})
_TR_LOWER = str.maketrans({"I": "ı", "İ": "i"})


def _cap(text: str, lang: str) -> str:
    """Capitalise the first letter (Turkish and Azerbaijani dotted/dotless i)."""
    if not text:
        return text
    first = text[0].translate(_TR_UPPER) if lang in ("tr", "az") else text[0]
    return first.upper() + text[1:]


def _lower(text: str, lang: str) -> str:
    return (text.translate(_TR_LOWER) if lang in ("tr", "az") else text).lower()


def _num(value: int, lang: str) -> str:
    return str(value).translate(PERSIAN_DIGITS) if lang == "fa" else str(value)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _phrase_slots(task: _Task, li: int, sit: int, reg: int) -> dict[str, str]:
    """Slots for title and question templates of ``task`` in language number ``li``."""
    lang = LANGS[li]
    f = task.forms[li]
    parts = [SITUATIONS[sit - 1][li + 1] if sit else "", REGIONS[reg - 1][li + 1] if reg else ""]
    if lang in ("tr", "az"):
        mods = " ".join(p for p in reversed(parts) if p)  # "Türkiye'de mobil uygulamada"
        able = f[3]
        ableq = able[:-2] + " miyim" if lang == "tr" else able + "mi"  # edebilir miyim / bilərəmmi
        return {
            "M": mods + " " if mods else "",
            "o": f[0],
            "inf": f[2],
            "able": able,
            "ableq": ableq,
        }
    if lang == "fa":
        mods = " ".join(p for p in parts if p)
        return {"M": mods + " " if mods else "", "o": f[0], "s": f[2]}
    m = "".join(" " + p for p in parts if p)
    if lang == "en":
        return {"vp": f[0], "m": m}
    if lang == "ru":
        return {"inf": f[0], "m": m}
    return {"v": f[0], "o": f[1], "m": m}  # ar


def _do_slots(task: _Task, li: int) -> dict[str, str]:
    """The task addressed to the reader, for the body templates."""
    lang = LANGS[li]
    f = task.forms[li]
    if lang == "en":
        do = f[1]
    elif lang == "ru":
        do = f[0]
    elif lang in ("tr", "az"):
        do = _clean(f"{f[1]} {f[2]}")
        able2 = (
            f[3][:-3] + "rsiniz" if lang == "tr" else f[3].removesuffix("bilərəm") + "bilərsiniz"
        )
        return {"do": do, "Do": _cap(do, lang), "can": _clean(f"{f[1]} {able2}")}
    elif lang == "fa":
        do = f"{f[1]} {f[2][:-1]}ید"  # لغو کنم -> لغو کنید
    else:
        do = f"{f[0]} {f[2]}"
    return {"do": do, "Do": _cap(do, lang), "can": do}


def _tag(task: _Task, li: int) -> str:
    return task.forms[li][-1]


def _title(task: _Task, li: int, sit: int, reg: int, template: int) -> str:
    lang = LANGS[li]
    templates = TITLES[lang]
    text = templates[template % len(templates)].format(**_phrase_slots(task, li, sit, reg))
    return _cap(_clean(text), lang)


def _concept_id(task: _Task, sit: int, reg: int) -> str:
    parts = [task.slug]
    if sit:
        parts.append(SITUATIONS[sit - 1][0])
    if reg:
        parts.append(REGIONS[reg - 1][0])
    return "-".join(parts)


# --- YAML front matter -----------------------------------------------------------------

_PLAIN_UNSAFE = re.compile(r"^[\s\-?:,\[\]{}#&*!|>'\"%@`]|: |\s#|:$|\s$")
_FLOW_UNSAFE = re.compile(r"[,\[\]{}]")
_YAML_WORDS = re.compile(
    r"^(?:y|n|yes|no|true|false|on|off|null|~|[-+]?[0-9][0-9_.:eE+-]*)$", re.IGNORECASE
)


def _yaml_scalar(text: str, *, flow: bool = False) -> str:
    """Return ``text`` as a YAML scalar: plain when that reads back the same, else quoted."""
    if (
        not text
        or _PLAIN_UNSAFE.search(text)
        or _YAML_WORDS.match(text)
        or (flow and _FLOW_UNSAFE.search(text))
    ):
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    return text


# --- generation ------------------------------------------------------------------------


@dataclass
class _Concept:
    task: _Task
    sit: int  # 0: none, else 1 + index into SITUATIONS
    reg: int  # 0: none, else 1 + index into REGIONS
    id: str
    audience: str
    review_by: str
    title_template: int
    answer: int
    heading: int
    bullets: tuple[int, ...]
    closing: int
    numbers: tuple[int, int, int, int]  # d, h, mins, d2
    keywords: tuple[int, ...]
    related: _Concept | None = None


def _sample_concepts(rng: random.Random, n: int) -> list[tuple[int, int, int]]:
    """Pick ``n`` distinct (task, situation, region) triples, favouring short ones."""
    n_sit, n_reg = len(SITUATIONS) + 1, len(REGIONS) + 1
    per_task = n_sit * n_reg
    total = len(_TASKS) * per_task
    if n > total:
        raise ValueError(f"at most {total} articles per language can be generated, not {n}")
    # short concepts have at most one modifier: (task, 0, region) or (task, situation, 0)
    short = [i for i in range(total) if i % n_reg == 0 or (i % per_task) < n_reg]
    long = [i for i in range(total) if i % n_reg and (i % per_task) >= n_reg]
    k_short = max(min(len(short), round(n * SHORT_SHARE)), n - len(long))
    chosen = rng.sample(short, k_short) + rng.sample(long, n - k_short)
    rng.shuffle(chosen)
    return [(i // per_task, (i % per_task) // n_reg, i % n_reg) for i in chosen]


def _make_concepts(rng: random.Random, n: int, internal_share: float) -> list[_Concept]:
    concepts = []
    year_start = dt.date(2027, 1, 1).toordinal()
    n_bullets = len(BULLETS["en"])
    for t, sit, reg in _sample_concepts(rng, n):
        task = _TASKS[t]
        concepts.append(
            _Concept(
                task=task,
                sit=sit,
                reg=reg,
                id=_concept_id(task, sit, reg),
                audience="internal" if rng.random() < internal_share else "public",
                review_by=dt.date.fromordinal(year_start + rng.randrange(365)).isoformat(),
                title_template=rng.randrange(12),
                answer=rng.randrange(3),
                heading=rng.randrange(len(HEADINGS["en"])),
                bullets=tuple(sorted(rng.sample(range(n_bullets), rng.randint(5, 6)))),
                closing=rng.randrange(3),
                numbers=(
                    rng.choice(DAYS),
                    rng.choice(HOURS),
                    rng.choice(MINUTES),
                    rng.choice(EXTRA_DAYS),
                ),
                keywords=tuple(rng.sample(range(3), rng.randint(1, 3))),
            )
        )
    by_category: dict[str, list[_Concept]] = {}
    for c in concepts:
        by_category.setdefault(c.task.category, []).append(c)
    for group in by_category.values():
        if len(group) < 2:
            continue
        for c in group:
            other = group[rng.randrange(len(group))]
            c.related = other if other is not c else group[(group.index(c) + 1) % len(group)]
    return concepts


def _questions(c: _Concept, li: int, rng: random.Random) -> tuple[str, ...]:
    lang = LANGS[li]
    templates = QUESTIONS[lang]
    slots = _phrase_slots(c.task, li, c.sit, c.reg)
    out = []
    for k in rng.sample(range(len(templates)), rng.randint(3, 6)):
        text = _clean(templates[k].format(**slots))
        roll = rng.random()
        if roll < 0.3:
            text = _lower(text, lang)  # "how to reset my password in turkey"
        elif roll < 0.6:
            text = text.rstrip("?؟")
        else:
            text = _cap(text, lang)
        out.append(text)
    return tuple(out)


def _tags(c: _Concept, li: int) -> list[str]:
    keywords = CATEGORIES[c.task.category][2][li].split("|")
    tags = [_tag(c.task, li)]
    for k in c.keywords:
        if keywords[k] not in tags:
            tags.append(keywords[k])
    if len(tags) < 2:
        tags.append(next(k for k in keywords if k not in tags))
    return tags[:4]


def _body(c: _Concept, li: int, tag: str) -> str:
    lang = LANGS[li]
    d, h, mins, d2 = (_num(x, lang) for x in c.numbers)
    page = CATEGORIES[c.task.category][1][li]
    region = REGIONS[c.reg - 1][li + 1] if c.reg else ""
    note = (
        REGION_NOTES[lang].format(region=region, Region=_cap(region, lang), d2=d2) if region else ""
    )
    slots = {**_do_slots(c.task, li), "page": page, "d": d, "h": h, "mins": mins, "tag": tag}
    answer = ANSWERS[lang][c.answer].format(R=note, **slots)
    bullets = "\n".join("- " + BULLETS[lang][b].format(**slots) for b in c.bullets)
    if c.audience == "internal":
        closing = AGENT_NOTES[lang].format(**slots)
    else:
        k = c.closing if c.related is not None else 2  # 0 and 1 link to a related article
        rel = c.related
        related = (
            {"rt": _title(rel.task, li, rel.sit, rel.reg, rel.title_template), "rid": rel.id}
            if rel is not None
            else {}
        )
        closing = CLOSINGS[lang][k].format(**slots, **related)
    heading = HEADINGS[lang][c.heading]
    return f"{answer}\n\n## {heading}\n\n{bullets}\n\n{closing}\n"


def _render(c: _Concept, li: int, rng: random.Random) -> tuple[Generated, str]:
    lang = LANGS[li]
    title = _title(c.task, li, c.sit, c.reg, c.title_template)
    questions = _questions(c, li, rng)
    tags = _tags(c, li)
    lines = [
        "---",
        f"id: {c.id}",
        f"title: {_yaml_scalar(title)}",
        f"lang: {lang}",
        "questions:",
        *(f"  - {_yaml_scalar(q)}" for q in questions),
        f"category: {c.task.category}",
        "tags: [" + ", ".join(_yaml_scalar(t, flow=True) for t in tags) + "]",
        f"audience: {c.audience}",
        f"review_by: {c.review_by}",
        "---",
        _body(c, li, tags[0]),
    ]
    item = Generated(c.id, lang, c.task.category, title, questions, c.audience)
    return item, "\n".join(lines)


def _categories_yaml() -> str:
    lines = []
    for slug, (names, _, _) in CATEGORIES.items():
        lines.append(f"{slug}:")
        lines += [
            f"  {lang}: {_yaml_scalar(name)}" for lang, name in zip(LANGS, names, strict=True)
        ]
    return "\n".join(lines) + "\n"


def _split_counts(n: int, langs: tuple[str, ...]) -> tuple[str, int, dict[str, int]]:
    """Return the source language, its article count and the count of each other language."""
    source = SOURCE_LANG if SOURCE_LANG in langs else langs[0]
    others = [lang for lang in langs if lang != source]
    n_source = n if not others else (n + 1) // 2
    rest = n - n_source
    counts = {
        lang: rest // len(others) + (1 if i < rest % len(others) else 0)
        for i, lang in enumerate(others)
    }
    return source, n_source, counts


def generate(
    dest: Path,
    n: int,
    *,
    seed: int = 0,
    langs: tuple[str, ...] = LANGS,
    internal_share: float = 0.1,
) -> list[Generated]:
    """Write ``n`` article files under ``dest`` plus ``dest/_meta/categories.yml``.

    About half of the files are in the source language (``en``, or ``langs[0]`` when
    ``en`` is not asked for); the rest are translations of them, spread evenly over the
    other languages: the same id, category, audience and review date in another
    language folder, which is what makes a translation in ``kb/content.py``.

    :param dest: the content folder to write (created if needed; files are overwritten)
    :param n: how many article files to write
    :param seed: seed of ``random.Random``; the same seed gives the same corpus
    :param langs: languages to write, a subset of ``en ru tr az fa ar``
    :param internal_share: share of article ids with ``audience: internal``
    :return: one ``Generated`` per file, source-language articles first
    :raises ValueError: for unknown languages, a negative ``n`` or more articles than
        the vocabulary has distinct concepts (~69,000 per language)
    """
    langs = tuple(dict.fromkeys(langs))
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown or not langs:
        raise ValueError(f"languages must be among {', '.join(LANGS)}, got {langs!r}")
    if n < 0:
        raise ValueError("n must not be negative")
    if not 0.0 <= internal_share <= 1.0:
        raise ValueError("internal_share must be between 0 and 1")
    rng = random.Random(seed)
    source, n_source, counts = _split_counts(n, langs)
    concepts = _make_concepts(rng, n_source, internal_share)

    plan: list[tuple[str, list[_Concept]]] = [(source, concepts)]
    for lang, k in counts.items():
        # translations go mostly to the "popular" ids (the first ones of the shuffled list)
        pool = concepts[: min(len(concepts), max(k, round(k * POPULAR_FACTOR)))]
        chosen = sorted(rng.sample(range(len(pool)), k))
        plan.append((lang, [pool[i] for i in chosen]))

    dest = Path(dest)
    (dest / "_meta").mkdir(parents=True, exist_ok=True)
    (dest / "_meta" / "categories.yml").write_text(_categories_yaml(), encoding="utf-8")
    made: list[Generated] = []
    for lang, group in plan:
        li = LANGS.index(lang)
        folder = os.path.join(os.fspath(dest), lang)
        for category in {c.task.category for c in group}:
            os.makedirs(os.path.join(folder, category), exist_ok=True)
        for c in group:
            item, text = _render(c, li, rng)
            path = os.path.join(folder, c.task.category, c.id + ".md")
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            made.append(item)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a synthetic multilingual support corpus in the kb content format."
    )
    parser.add_argument("dest", type=Path, help="content folder to create (must be empty)")
    parser.add_argument("--n", type=int, default=10_000, help="number of article files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--langs", default=",".join(LANGS), help="comma-separated languages (default: all six)"
    )
    parser.add_argument(
        "--internal-share", type=float, default=0.1, help="share of internal articles"
    )
    args = parser.parse_args(argv)
    if args.dest.exists() and (not args.dest.is_dir() or any(args.dest.iterdir())):
        parser.error(f"{args.dest} exists and is not an empty folder")
    langs = tuple(lang.strip() for lang in args.langs.split(",") if lang.strip())
    started = time.perf_counter()
    try:
        made = generate(
            args.dest, args.n, seed=args.seed, langs=langs, internal_share=args.internal_share
        )
    except ValueError as exc:
        parser.error(str(exc))
    elapsed = time.perf_counter() - started
    per_lang: dict[str, int] = {}
    for item in made:
        per_lang[item.lang] = per_lang.get(item.lang, 0) + 1
    ids = {item.id for item in made}
    internal = sum(item.audience == "internal" for item in made)
    for lang in langs:
        print(f"{lang}\t{per_lang.get(lang, 0)}")
    print(
        f"{len(made)} articles ({len(ids)} ids, {internal} internal) in {args.dest} "
        f"in {elapsed:.2f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
