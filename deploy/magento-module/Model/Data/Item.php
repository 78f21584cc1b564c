<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model\Data;

use Magento\Framework\Api\AbstractSimpleObject;
use SalesChannel\Reservations\Api\Data\ItemInterface;

class Item extends AbstractSimpleObject implements ItemInterface
{
    public function getSku(): string
    {
        return (string)$this->_get(self::SKU);
    }

    public function setSku(string $sku): ItemInterface
    {
        return $this->setData(self::SKU, $sku);
    }

    public function getQuantity(): float
    {
        return (float)$this->_get(self::QUANTITY);
    }

    public function setQuantity(float $quantity): ItemInterface
    {
        return $this->setData(self::QUANTITY, $quantity);
    }
}
